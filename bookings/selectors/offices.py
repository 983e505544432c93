"""The home page's office finder: which offices serve a municipality (found from a postal
code), a prefecture, or have a name, read through `OfficeArea` so that the cost does not
grow with the number of offices."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ..models import Office, OfficeArea

# The prefectures (JIS X 0401): the first two digits of every municipality's JIS X 0402
# code, in the standard's order.
PREFECTURES = (
    ("01", _("Hokkaido")),
    ("02", _("Aomori")),
    ("03", _("Iwate")),
    ("04", _("Miyagi")),
    ("05", _("Akita")),
    ("06", _("Yamagata")),
    ("07", _("Fukushima")),
    ("08", _("Ibaraki")),
    ("09", _("Tochigi")),
    ("10", _("Gunma")),
    ("11", _("Saitama")),
    ("12", _("Chiba")),
    ("13", _("Tokyo")),
    ("14", _("Kanagawa")),
    ("15", _("Niigata")),
    ("16", _("Toyama")),
    ("17", _("Ishikawa")),
    ("18", _("Fukui")),
    ("19", _("Yamanashi")),
    ("20", _("Nagano")),
    ("21", _("Gifu")),
    ("22", _("Shizuoka")),
    ("23", _("Aichi")),
    ("24", _("Mie")),
    ("25", _("Shiga")),
    ("26", _("Kyoto")),
    ("27", _("Osaka")),
    ("28", _("Hyogo")),
    ("29", _("Nara")),
    ("30", _("Wakayama")),
    ("31", _("Tottori")),
    ("32", _("Shimane")),
    ("33", _("Okayama")),
    ("34", _("Hiroshima")),
    ("35", _("Yamaguchi")),
    ("36", _("Tokushima")),
    ("37", _("Kagawa")),
    ("38", _("Ehime")),
    ("39", _("Kochi")),
    ("40", _("Fukuoka")),
    ("41", _("Saga")),
    ("42", _("Nagasaki")),
    ("43", _("Kumamoto")),
    ("44", _("Oita")),
    ("45", _("Miyazaki")),
    ("46", _("Kagoshima")),
    ("47", _("Okinawa")),
)


def find_offices(
    *, municipality_codes: list[str] | None = None, prefecture: str = "", name: str = ""
) -> QuerySet[Office]:
    """The offices that serve any of `municipality_codes` (None: any area), have an area
    in `prefecture` (two digits; "": any) and whose Japanese or English name contains
    `name` ("": any), in the offices' order. Each filter is one indexed subquery."""
    offices = Office.objects.all()
    if municipality_codes is not None:
        offices = offices.filter(
            pk__in=OfficeArea.objects.filter(municipality_code__in=municipality_codes).values(
                "office_id"
            )
        )
    if prefecture:
        # A range on the code's index: every code of the prefecture starts with its digits.
        offices = offices.filter(
            pk__in=OfficeArea.objects.filter(
                municipality_code__gte=prefecture + "000", municipality_code__lte=prefecture + "999"
            ).values("office_id")
        )
    if name:
        offices = offices.filter(Q(name__icontains=name) | Q(name_en__icontains=name))
    return offices
