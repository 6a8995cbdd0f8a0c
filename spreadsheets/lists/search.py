"""Spreadsheet columns for the township's synonyms (同义词): everyday words and the catalogue's words."""

from django.utils.translation import gettext_lazy as _
from import_export.fields import Field

from search.models import Synonym
from spreadsheets.columns import Lookup, TextWidget
from spreadsheets.importing import SheetResource


def _synonyms(ctx):
    for synonym in Synonym.objects.filter(township=ctx.township):
        synonym.township = ctx.township
        yield synonym


SYNONYMS = Lookup(
    "synonyms",
    _synonyms,
    keys=lambda s: (s.phrase, s.target),
    label=lambda s: f"{s.phrase} → {s.target}",
    missing=_("本乡镇没有同义词「%(value)s」。"),
)


class SynonymResource(SheetResource):
    """同义词：one row per everyday word and the catalogue's word it means."""

    sheet_name = "同义词"
    rank = 90
    lookup = SYNONYMS
    key_fields = ("phrase", "target")
    required_fields = ("phrase", "target")

    phrase = Field(attribute="phrase", column_name="群众的说法", widget=TextWidget())
    target = Field(attribute="target", column_name="事项里的说法", widget=TextWidget())
    note = Field(attribute="note", column_name="备注", widget=TextWidget())

    help_texts = {
        "phrase": _("群众搜索时常说的词，如：个体户、新农合"),
        "target": _("服务事项名称或关键词里的说法，如：个体工商户、医疗保险"),
    }
    example = {"phrase": "个体户", "target": "个体工商户", "note": ""}

    class Meta:
        model = Synonym
        fields = ("phrase", "target", "note")
        export_order = fields
