# The project's one way to print dates (pytake/dates.py), for what Django prints itself: the
# admin's lists and read-only fields. Input formats stay Django's.
from pytake.dates import EXACT_FORMAT

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = EXACT_FORMAT
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = EXACT_FORMAT
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
