"""When a case is due: a number of working days after it arrived.

PROVISIONAL: ``working_day_add`` skips Saturdays and Sundays only. The official
calendar (public holidays and the weekend days worked in their place, 调休) is
being built on the ``truth`` branch; when it is on main, make this ONE function
call it and nothing else in this app changes.
"""

import datetime

from django.utils import timezone

#: Working days a case of each kind may stay open (从收到之日起).
DUE_WORKING_DAYS = {
    "report": 5,  # check and correct the page
    "request": 3,  # accept, and arrange the day
    "followup": 3,  # call the resident back after a poor rating
    "enquiry": 2,  # an enquiry passed on to a colleague
}


def working_day_add(start, n):
    """Return the date ``n`` working days after ``start`` (weekends skipped; holidays not yet: see module doc)."""
    day = start
    added = 0
    while added < n:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return day


def due_on(kind, start=None):
    """Return the due date of a new case of ``kind`` arriving on ``start`` (today by default)."""
    return working_day_add(start or timezone.localdate(), DUE_WORKING_DAYS[kind])
