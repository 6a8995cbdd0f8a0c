"""Fill in an admin add/change form the way a browser would: from the page the admin rendered."""

from django.forms import CheckboxInput


def _field_value(bound):
    value = bound.value()
    widget = bound.field.widget
    widget = getattr(widget, "widget", widget)  # the admin's "+" wrapper
    if isinstance(widget, CheckboxInput):
        return "on" if value else None
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def _form_data(form, data):
    for bound in form:
        value = _field_value(bound)
        if value is not None:
            data[bound.html_name] = value


def form_data(response):
    """Return the POST data that saves the admin form in ``response`` unchanged (main form and inlines)."""
    context = response.context
    data = {}
    _form_data(context["adminform"].form, data)
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for bound in management:
            data[bound.html_name] = _field_value(bound)
        for form in formset.forms:
            if form.instance.pk is None:
                continue  # extra empty rows stay empty
            _form_data(form, data)
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(sum(1 for f in formset.forms if f.instance.pk is not None))
    return data
