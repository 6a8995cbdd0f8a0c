"""When a case is due: a number of working days after it arrived, on the official calendar (``workdays``)."""

from django.utils import timezone

from workdays.dates import working_day_add

#: Working days a case of each kind may stay open (从收到之日起).
DUE_WORKING_DAYS = {
    "report": 5,  # check and correct the page
    "request": 3,  # accept, and arrange the day
    "followup": 3,  # call the resident back after a poor rating
    "enquiry": 2,  # an enquiry passed on to a colleague
}


def due_on(kind, start=None):
    """Return the ``DueDate`` (date, provisional) of a new case of ``kind`` arriving on ``start`` (today by default).

    Counted on the working-day calendar with its holidays and make-up working days; a year the
    calendar does not yet hold is counted Monday to Friday and marked provisional
    (``workdays.dates.working_day_add``), which the clerk's queue shows as 预计.
    """
    return working_day_add(start or timezone.localdate(), DUE_WORKING_DAYS[kind])
