"""The rendered fragments of bookings that are cached (`portal.fragments`).

- `slot_weeks`: the rendered week of free slots, per office, day, week and language. It is
  the same for everyone and the heaviest part of the office page. Every change of an
  office's slots or bookings bumps the office's version (`slot_weeks.changed(office_id)`,
  inside the transaction), so the next request renders afresh.
- `my_page`: My Page's lists (upcoming and past bookings, immediate consultations, agreed
  terms), per person and language, kept until they change. Every save or delete of the
  person's bookings or consents bumps their version on commit (`receivers`); bulk UPDATEs
  of bookings call `my_page.changed` themselves. The same version keeps the person's
  "Can I book?" part of each office page (per office, language and the office's rules),
  which the saves of their profile, suspensions, issued accounts and no-show lifts bump
  too.

- `offices`: the home page's cards of a page of offices, per search, page and language,
  under one version for all offices (`ALL_OFFICES`): every save or delete of an office
  bumps it on commit (`receivers`); the number of offices found is part of the key.
- `home_pages`: the whole home page as one visitor sees it, per path (the finder's search
  and page), language, person and staff rights, kept under the offices' version and, signed
  in, the person's unread count (the header shows it). Offices added in bulk without a
  save signal show when the kept page ends (a minute at most), or at once if the import
  calls `offices.changed(ALL_OFFICES)`. A page with a message to show, another query
  string or a search the finder refuses is rendered each time.

- `office_pages`: an office's whole page as one visitor sees it (anonymous, or a signed-in
  person), per language, day, week shown and path, kept under the stamps of what it
  shows: the office's `slot_weeks` version, the offices' version (`ALL_OFFICES`: an edit
  of the office), the person's `my_page` version and their unread count. A page with a
  message to show, a full session (whose waiting list is the person's), another query
  string or an office without a cut-off day is rendered each time.

Entries live 60 s at most, which bounds what the clock alone changes (a consultation
ending, revised terms coming into force) and any edit made outside the code that bumps.
"""

from portal.fragments import KeptPages, VersionedFragments

FRAGMENT_SECONDS = 60

slot_weeks = VersionedFragments("slots", seconds=FRAGMENT_SECONDS)
my_page = VersionedFragments("mypage", seconds=FRAGMENT_SECONDS)
offices = VersionedFragments("offices", seconds=FRAGMENT_SECONDS)
ALL_OFFICES = 0  # the owner of `offices`' one version
office_pages = KeptPages("officepage", seconds=FRAGMENT_SECONDS)
home_pages = KeptPages("homepage", seconds=FRAGMENT_SECONDS)
