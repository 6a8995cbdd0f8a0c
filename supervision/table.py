"""The figures of many townships as one table: the columns, the rows, the totals, the weakest values.

The county table, the bulletin and the xlsx read the same ``Table``; each value
comes from one function of ``supervision.figures``.
"""

from dataclasses import dataclass, field

from feedback.models import Level, Service
from supervision import figures

HIGH, LOW = "high", "low"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: str
    better: str | None = None  # which way is good: the weakest value in the column is marked
    unit: str = ""


COLUMNS = [
    Column("scans", "扫码次数", "扫码", HIGH),
    Column("searches", "搜索次数", "搜索"),
    Column("searches_without_result", "没搜到", "搜索"),
    Column("searches_without_result_percent", "没搜到占比", "搜索", LOW, "%"),
    Column("enquiries_received", "咨询登记", "咨询"),
    Column("enquiries_answered", "当场答复", "咨询"),
    Column("reports_received", "收到", "信息有误反馈"),
    Column("reports_fixed", "已改正", "信息有误反馈"),
    Column("reports_median_days", "改正用时中位数", "信息有误反馈", LOW, "天"),
    Column("requests_received", "收到", "办事申请"),
    Column("requests_on_time", "按期办结", "办事申请"),
    Column("requests_overdue", "逾期", "办事申请", LOW),
    Column("requests_declined", "不予办理", "办事申请"),
    Column("ratings_total", "评价数", "好差评"),
    Column("ratings_satisfied_percent", "满意率", "好差评", HIGH, "%"),
    Column("ratings_poor", "差评", "好差评"),
    Column("ratings_followed_in_time", "按期回访", "好差评"),
    Column("ratings_followup_missed", "未按期回访", "好差评", LOW),
    Column("items_past_check", "事项超期未核对", "清单维护", LOW),
    Column("phones_past_check", "电话超期未核对", "清单维护", LOW),
    Column("liaisons_unconfirmed", "对接未确认", "清单维护", LOW),
]
COLUMN_KEYS = [c.key for c in COLUMNS]


NO_DATA = "—"  # nothing to count: a share of no searches, a median of no fixes
NOT_KEPT = "未留存"  # a closed month's list figure that close_month never stored


def figure_shown(values, key):
    """``values[key]`` as the page, the bulletin and the xlsx show it: the number, or why there is none.

    None is never shown as 0: a state figure of a closed month never kept reads 未留存, any other
    (a percentage or median with nothing to count) reads —.
    """
    value = values.get(key)
    if value is None:
        return NOT_KEPT if key in figures.STATE_FIGURES else NO_DATA
    return value


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Row:
    township: object
    values: dict
    weakest: set = field(default_factory=set)
    days: list = field(default_factory=list)


@dataclass
class Table:
    period: object
    rows: list
    totals: dict
    columns: list = field(default_factory=lambda: COLUMNS)
    figures: dict = field(default_factory=dict)  # what ``gather`` returned: ``details`` reads it again

    @property
    def shows_totals(self):
        """True when the table has more than one township: a totals row under one would only repeat it."""
        return len(self.rows) > 1


def _values(pk, f):
    report, request, rating, state = f["reports"][pk], f["requests"][pk]["all"], f["ratings"][pk], f["state"][pk]
    satisfied = sum(rating[level] for level in (Level.VERY_SATISFIED, Level.SATISFIED, Level.FAIR))
    return {
        "scans": f["scans"][pk],
        "searches": f["searches"][pk]["total"],
        "searches_without_result": f["searches"][pk]["without_result"],
        "searches_without_result_percent": _percent(f["searches"][pk]["without_result"], f["searches"][pk]["total"]),
        "enquiries_received": f["enquiries"][pk]["received"],
        "enquiries_answered": f["enquiries"][pk]["answered"],
        "reports_received": report["received"],
        "reports_fixed": report["fixed"],
        "reports_median_days": report["median_days"],
        "requests_received": request["received"],
        "requests_on_time": request["on_time"],
        "requests_overdue": request["overdue"],
        "requests_declined": request["declined"],
        "ratings_total": rating["total"],
        "ratings_satisfied_percent": _percent(satisfied, rating["total"]),
        "ratings_poor": rating["poor"],
        "ratings_followed_in_time": rating["followed_in_time"],
        "ratings_followup_missed": rating["followup_missed"],
        **state,
    }


def gather(townships, period, today=None):
    """Every figure of ``townships`` over ``period``: ``{figure name: {township id: value}}`` (fixed query count)."""
    return {
        "scans": figures.scans(townships, period),
        "searches": figures.searches(townships, period),
        "enquiries": figures.enquiries(townships, period),
        "reports": figures.reports(townships, period),
        "requests": figures.requests(townships, period, today=today),
        "ratings": figures.ratings(townships, period, today=today),
        "state": figures.state(townships, period, today=today),
    }


def table_build(townships, period, *, order="", today=None):
    """The table of ``townships`` over ``period``, sorted by ``order`` (a column key, ``-`` for descending)."""
    townships = list(townships)
    f = gather(townships, period, today=today)
    rows = [Row(t, _values(t.pk, f), days=f["reports"][t.pk]["days"]) for t in townships]
    _mark_weakest(rows)
    return Table(period, _sorted(rows, order), _totals(rows, f), figures=f)


def _sorted(rows, order):
    key = order.lstrip("-")
    if key not in COLUMN_KEYS:
        return rows
    present = [r for r in rows if r.values[key] is not None]
    missing = [r for r in rows if r.values[key] is None]  # no value: always last
    present.sort(key=lambda r: (r.values[key], r.township.name), reverse=order.startswith("-"))
    return present + missing


def _mark_weakest(rows):
    if len(rows) < 2:
        return
    for column in COLUMNS:
        if column.better is None:
            continue
        values = [r.values[column.key] for r in rows if r.values[column.key] is not None]
        if len(set(values)) < 2:
            continue  # all equal: nobody is weakest
        worst = min(values) if column.better == HIGH else max(values)
        for row in rows:
            if row.values[column.key] == worst:
                row.weakest.add(column.key)


def _totals(rows, f):
    totals = {}
    for key in COLUMN_KEYS:
        values = [r.values[key] for r in rows]
        totals[key] = None if any(v is None for v in values) else sum(values)
    searched = [f["searches"][r.township.pk] for r in rows]
    totals["searches_without_result_percent"] = _percent(
        sum(x["without_result"] for x in searched), sum(x["total"] for x in searched)
    )
    totals["reports_median_days"] = figures.median_days([d for r in rows for d in r.days])
    ratings = [f["ratings"][r.township.pk] for r in rows]
    satisfied = sum(x[level] for x in ratings for level in (Level.VERY_SATISFIED, Level.SATISFIED, Level.FAIR))
    totals["ratings_satisfied_percent"] = _percent(satisfied, sum(x["total"] for x in ratings))
    return totals


SERVICE_LABELS = dict(Service.choices)
LEVEL_LABELS = dict(Level.choices)


def chart_span(period):
    """The months a chart shows: the period's own, or the twelve months up to a month period."""
    if period.kind != "month":
        return period
    from supervision.periods import Period, _month_add

    return Period("span", _month_add(period.start, -11), period.end)


def details(townships, period, f=None, today=None):
    """What a township's page shows beyond its table row, for many townships at once (fixed query count)."""
    from supervision import charts

    townships = list(townships)
    f = f or gather(townships, period, today=today)
    span = chart_span(period)
    by_code = figures.scans_by_code(townships, period)
    scans_months = figures.scans_by_month(townships, span)
    requests_months = figures.requests_by_month(townships, span)
    out = {}
    for t in townships:
        rating = f["ratings"][t.pk]
        out[t.pk] = {
            "values": _values(t.pk, f),
            "median_days": f["reports"][t.pk]["median_days"],
            "scans_by_code": by_code[t.pk],
            "requests_by_service": [(SERVICE_LABELS[key], f["requests"][t.pk][key]) for key in Service.values],
            "requests_all": f["requests"][t.pk]["all"],
            "ratings_by_level": [(level, LEVEL_LABELS[level], rating[level]) for level in Level.values],
            "ratings": rating,
            "chart_scans": charts.bar_chart(
                [(f"{m.month}月", n) for m, n in scans_months[t.pk].items()], title="扫码次数（按月）"
            ),
            "chart_requests": charts.bar_chart(
                [(f"{m.month}月", n) for m, n in requests_months[t.pk].items()], title="办事申请（按月）", unit="件"
            ),
            "chart_ratings": charts.bar_chart(
                [(LEVEL_LABELS[level], rating[level]) for level in Level.values], title="好差评（按等级）", unit="条"
            ),
        }
    return out
