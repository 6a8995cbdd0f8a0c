"""Fill the holiday table from the ``chinese-calendar`` package (used by the data migration and ``seed_holidays``)."""

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def library_days():
    """Return ``[(date, kind, name)]`` for every weekday holiday and make-up working day the library knows."""
    from chinese_calendar import constants

    days = []
    for date, name in constants.holidays.items():
        if date.weekday() < 5:  # a holiday on a weekend changes nothing
            days.append((date, "holiday", NAMES.get(name, name)))
    for date, name in constants.workdays.items():
        if date.weekday() >= 5:  # a weekday "workday" changes nothing
            days.append((date, "workday", NAMES.get(name, name)))
    return sorted(days)


def seed(model):
    """Add the library's days that the table lacks; never change a row someone entered. Return how many were added."""
    known = set(model.objects.values_list("date", flat=True))
    rows = [model(date=d, kind=k, name=n) for d, k, n in library_days() if d not in known]
    model.objects.bulk_create(rows)
    return len(rows)
