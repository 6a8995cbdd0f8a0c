"""The residents' forms: short, every field bounded, a hidden honeypot, messages in Chinese."""

import datetime
import re
import unicodedata

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import DayPart, Level, Problem, RatingChannel, Service
from portal.text import clean_phone
from portal.validators import phone_validator
from workdays.dates import is_working_day, working_day_add

# How far ahead a resident may ask for a day: beyond that the clerk cannot promise anything.
PREFERRED_DAYS_AHEAD = 60

mobile_or_landline = phone_validator


def _day_label(day):
    """Return a date as a resident reads it on a form: "12月6日（周日）"."""
    return _("%(month)d月%(day)d日（周%(weekday)s）") % {
        "month": day.month,
        "day": day.day,
        "weekday": "一二三四五六日"[day.weekday()],
    }


class PhoneField(forms.CharField):
    """A phone number as people type it (spaces, dots, full-width digits, +86), kept in the form the portal dials."""

    def to_python(self, value):
        text = super().to_python(value)
        # A contact card copied from WeChat writes "+86 138 1234 5678": the country code is not dialled at home.
        text = re.sub(r"^\s*(\+|00)\s*86[\s\-]*", "", unicodedata.normalize("NFKC", text))
        return clean_phone(text)


def _phone(label, *, required=False, help_text=""):
    """A phone field a phone fills from its number keypad (``type="tel"``), checked as a mobile or landline."""
    return PhoneField(
        label=label,
        max_length=20,
        required=required,
        validators=[mobile_or_landline],
        help_text=help_text,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


class HoneypotForm(forms.Form):
    """A form with a field people never see (the wrapper is ``hidden``) and simple bots fill in.

    A filled honeypot is not an error shown to anyone: the view answers as if
    the submission were received and stores nothing.
    """

    website = forms.CharField(label=_("网址（请勿填写）"), required=False, max_length=200)

    def is_bot(self):
        return bool(self.data.get("website"))


def _text(label, max_length, *, required=False, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows, "maxlength": max_length}) if rows else None
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=widget, help_text=help_text, strip=True
    )


class ReportForm(HoneypotForm):
    """信息有误？ What is wrong, a note, and optionally how to reach the resident."""

    problem = forms.ChoiceField(label=_("哪里不对"), choices=Problem.choices, widget=forms.RadioSelect)
    note = _text(_("具体说明"), 500, rows=3, help_text=_("如：电话打不通、应该是 0359-0123456；最多 500 字。"))
    name = _text(_("您的称呼（可不填）"), 30)
    phone = _phone(_("联系电话（可不填）"))

    def clean(self):
        data = super().clean()
        if data.get("problem") == Problem.OTHER and not data.get("note"):
            self.add_error("note", _("选了“其他”，请写一句哪里不对。"))
        return data


class RequestForm(HoneypotForm):
    """帮代办、预约、上门办: who, how to call back, which village, which day."""

    service = forms.ChoiceField(label=_("需要"), choices=Service.choices, widget=forms.RadioSelect)
    name = _text(_("姓名"), 30, required=True)
    phone = _phone(_("手机或电话"), required=True, help_text=_("工作人员用它联系您；查询进度要用它的后四位。"))
    village_name = _text(_("所在村（社区）"), 30)
    preferred_date = forms.DateField(
        label=_("希望哪天"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    preferred_time = forms.ChoiceField(
        label=_("上午还是下午"), choices=DayPart.choices, initial=DayPart.ANY, widget=forms.RadioSelect
    )
    note = _text(_("还想说的（可不填）"), 300, rows=2)

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        if services is not None:
            self.fields["service"].choices = [(value, label) for value, label in Service.choices if value in services]
            if len(services) == 1:
                self.fields["service"].initial = services[0]

    def clean_preferred_date(self):
        day = self.cleaned_data.get("preferred_date")
        today = timezone.localdate()
        if day is not None and day < today:
            raise forms.ValidationError(_("希望的日期不能早于今天。"))
        if day is not None and day > today + datetime.timedelta(days=PREFERRED_DAYS_AHEAD):
            raise forms.ValidationError(_("只能预约 %(days)d 天以内的日子。") % {"days": PREFERRED_DAYS_AHEAD})
        if day is not None and not is_working_day(day)[0]:
            # Clerks take appointments and go out on working days only; a weekend or holiday booked here
            # would be a promise nobody keeps. The message offers the next day that is one.
            after = working_day_add(day, 1).date
            raise forms.ValidationError(
                _("%(day)s是休息日，不安排预约和上门办理。请选工作日，比如%(next)s。")
                % {"day": _day_label(day), "next": _day_label(after)}
            )
        return day


def _level_choices():
    # The code goes with the words, as GB/T 39046 prints them: “1 非常满意”.
    return [(value, f"{value} {label}") for value, label in Level.choices]


class RatingForm(HoneypotForm):
    """好差评: one of the five levels, an optional comment."""

    level = forms.TypedChoiceField(label=_("您的评价"), choices=_level_choices, coerce=int, widget=forms.RadioSelect)
    comment = _text(_("意见或建议（可不填）"), 300, rows=3)
    phone = _phone(_("联系电话（可不填）"), help_text=_("不满意时留下电话，工作人员会打电话问您情况。"))
    channel = forms.ChoiceField(
        choices=[(RatingChannel.QR, RatingChannel.QR.label), (RatingChannel.WEB, RatingChannel.WEB.label)],
        initial=RatingChannel.WEB,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, ask_phone=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_phone:
            del self.fields["phone"]  # rating one's own request: its phone is known


class StatusForm(forms.Form):
    """Look a request up with its number and the last four digits of the phone given with it."""

    reference = forms.CharField(
        label=_("申请编号"),
        max_length=12,
        validators=[RegexValidator(r"^\d{8}$", _("编号是 8 位数字。"))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone_suffix = forms.CharField(
        label=_("手机号后四位"),
        max_length=4,
        min_length=4,
        validators=[RegexValidator(r"^\d{4}$", _("请填 4 位数字。"))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
