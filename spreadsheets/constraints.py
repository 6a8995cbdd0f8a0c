"""Check constraints evaluated in Python on unsaved rows, so a 1,000-row preview asks the database nothing.

Django's ``CheckConstraint.validate()`` asks the database (one query per
constraint per row, 3 ms each with every field annotated): for 1,000 rows
and nine constraints that is most of a 30-second preview. The models'
conditions are simple comparisons, evaluated here with SQL's NULL
semantics; anything else still goes to the database.
"""

from django.core.exceptions import ValidationError
from django.db.models import F, Q


class _NotInPython(Exception):
    """A constraint condition the Python evaluator does not handle: ask the database instead."""


_COMPARE = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _and(values):
    values = list(values)
    if False in values:
        return False
    return None if None in values else True


def _or(values):
    values = list(values)
    if True in values:
        return True
    return None if None in values else False


def _field_value(instance, name):
    if name == "pk":
        return instance.pk
    return getattr(instance, instance._meta.get_field(name).attname)


def _evaluate(condition, instance):
    """Evaluate a check constraint's ``Q`` on an unsaved instance with SQL's three-valued logic.

    Return True, False or None (unknown: NULL in a comparison, which a CHECK
    constraint lets pass). Handles the lookups the models' constraints use
    (exact, isnull, in, gt/gte/lt/lte, F() of a field); raise _NotInPython
    for anything else.
    """
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_evaluate(child, instance))
            continue
        lookup, rhs = child
        name, _sep, operator = lookup.partition("__")
        operator = operator or "exact"
        if "__" in operator:
            raise _NotInPython(lookup)
        value = _field_value(instance, name)
        literal_none = rhs is None
        if isinstance(rhs, F):
            rhs = _field_value(instance, rhs.name)
        elif hasattr(rhs, "resolve_expression"):
            raise _NotInPython(lookup)
        elif hasattr(rhs, "_meta") and hasattr(rhs, "pk"):
            rhs = rhs.pk
        if operator == "isnull":
            results.append((value is None) == bool(rhs))
        elif operator == "exact" and literal_none:
            results.append(value is None)  # Django turns "= None" into IS NULL
        elif operator == "in":
            results.append(None if value is None else value in rhs)
        elif operator in _COMPARE:
            results.append(None if value is None or rhs is None else _COMPARE[operator](value, rhs))
        else:
            raise _NotInPython(lookup)
    result = _and(results) if condition.connector == Q.AND else _or(results)
    if condition.negated:
        result = None if result is None else not result
    return result


def _condition_fields(condition):
    for child in condition.children:
        if isinstance(child, Q):
            yield from _condition_fields(child)
        else:
            lookup, rhs = child
            yield lookup.split("__")[0]
            if isinstance(rhs, F):
                yield rhs.name


_CONDITION_FIELDS = {}


def check_constraint(constraint, instance, exclude=(), using="default"):
    """Validate a CheckConstraint like ``constraint.validate()``, in Python when possible (see the module)."""
    fields = _CONDITION_FIELDS.get(id(constraint))  # constraints live as long as their model class
    if fields is None:
        fields = _CONDITION_FIELDS[id(constraint)] = frozenset(_condition_fields(constraint.condition))
    if fields & set(exclude):
        return  # as Django does: a constraint on an excluded field is not checked
    try:
        result = _evaluate(constraint.condition, instance)
    except _NotInPython:
        constraint.validate(type(instance), instance, exclude=exclude, using=using)
        return
    if result is False:
        raise ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)


def condition_field(condition):
    """Return the first field a check constraint's condition names (to point the error at a column)."""
    for child in condition.children if isinstance(condition, Q) else []:
        if isinstance(child, Q):
            found = condition_field(child)
            if found:
                return found
        elif isinstance(child, tuple):
            return child[0].split("__")[0]
    return None
