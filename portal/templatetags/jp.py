"""Japanese-style dates and times, in Japan time, for every template (`portal.dates`).

{{ value|wareki }}     令和8年4月1日          (English: 1 April 2026 (Reiwa 8))
{{ value|jdate }}      2026年4月1日（水）       (English: Wed, 1 April 2026)
{{ value|jdatetime }}  2026年4月1日（水）10:00  (English: Wed, 1 April 2026, 10:00)
{{ start|jspan:end }}  2026年4月1日（水）10:00〜10:30
{{ start|jtimespan:end }}  10:00〜10:30
{{ monday|jdatespan:sunday }}  2026年4月6日（月）〜2026年4月12日（日）
{{ code|postal }}      053-0022                  (portal.numbers)
{{ id|code_groups }}   ["4827-", "1930"]          (groups to read out)
"""

from django import template

from portal import dates, numbers

register = template.Library()

register.filter("wareki", dates.wareki)
register.filter("jdate", dates.jdate)
register.filter("jdatetime", dates.jdatetime)
register.filter("jtime", dates.jtime)
register.filter("jspan", dates.span)
register.filter("jtimespan", dates.time_span)
register.filter("jdatespan", dates.date_span)
register.filter("postal", numbers.postal_code)
register.filter("code_groups", numbers.code_groups)
