"""Places: the cities the synthetic records live in, with what goes with a country (names,
calling codes, the EU)."""

from typing import NamedTuple


class Place(NamedTuple):
    city: str
    state: str | None
    country: str
    iso2: str
    continent: str
    grouping: str  # Lusha's country grouping: na, emea, apac, latam
    lat: float
    lon: float


_EU = {"DE", "FR", "ES", "IT", "NL", "SE", "IE", "PL"}


def is_eu(place: Place) -> bool:
    return place.iso2 in _EU


# weight | city | state | country | ISO 2 | continent | grouping | latitude | longitude
# The weight is how often companies sit there: the US carries about half, as in Lusha's data.
_PLACE_TABLE = """
9 | New York | New York | United States | US | North America | na | 40.71 | -74.01
8 | San Francisco | California | United States | US | North America | na | 37.77 | -122.42
4 | Los Angeles | California | United States | US | North America | na | 34.05 | -118.24
5 | Boston | Massachusetts | United States | US | North America | na | 42.36 | -71.06
4 | Chicago | Illinois | United States | US | North America | na | 41.88 | -87.63
4 | Austin | Texas | United States | US | North America | na | 30.27 | -97.74
3 | Dallas | Texas | United States | US | North America | na | 32.78 | -96.80
3 | Seattle | Washington | United States | US | North America | na | 47.61 | -122.33
3 | Denver | Colorado | United States | US | North America | na | 39.74 | -104.99
3 | Atlanta | Georgia | United States | US | North America | na | 33.75 | -84.39
2 | Miami | Florida | United States | US | North America | na | 25.76 | -80.19
2 | Toronto | Ontario | Canada | CA | North America | na | 43.65 | -79.38
1 | Vancouver | British Columbia | Canada | CA | North America | na | 49.28 | -123.12
6 | London | England | United Kingdom | GB | Europe | emea | 51.51 | -0.13
1 | Manchester | England | United Kingdom | GB | Europe | emea | 53.48 | -2.24
2 | Dublin | Leinster | Ireland | IE | Europe | emea | 53.35 | -6.26
3 | Berlin | Berlin | Germany | DE | Europe | emea | 52.52 | 13.40
2 | Munich | Bavaria | Germany | DE | Europe | emea | 48.14 | 11.58
3 | Paris | Île-de-France | France | FR | Europe | emea | 48.86 | 2.35
2 | Amsterdam | North Holland | Netherlands | NL | Europe | emea | 52.37 | 4.90
2 | Madrid | Community of Madrid | Spain | ES | Europe | emea | 40.42 | -3.70
1 | Milan | Lombardy | Italy | IT | Europe | emea | 45.46 | 9.19
1 | Stockholm | Stockholm County | Sweden | SE | Europe | emea | 59.33 | 18.07
3 | Tel Aviv | Tel Aviv District | Israel | IL | Asia | emea | 32.08 | 34.78
3 | Bengaluru | Karnataka | India | IN | Asia | apac | 12.97 | 77.59
1 | Mumbai | Maharashtra | India | IN | Asia | apac | 19.08 | 72.88
2 | Singapore | - | Singapore | SG | Asia | apac | 1.35 | 103.82
2 | Sydney | New South Wales | Australia | AU | Oceania | apac | -33.87 | 151.21
2 | São Paulo | São Paulo | Brazil | BR | South America | latam | -23.55 | -46.63
1 | Mexico City | Mexico City | Mexico | MX | North America | latam | 19.43 | -99.13
"""


def _places(table: str) -> list[tuple[int, Place]]:
    rows = []
    for line in table.strip().splitlines():
        weight, city, state, country, iso2, continent, grouping, lat, lon = (
            cell.strip() for cell in line.split("|")
        )
        place = Place(
            city, None if state == "-" else state, country, iso2, continent, grouping,
            float(lat), float(lon),
        )  # fmt: skip
        rows.append((int(weight), place))
    return rows


PLACES = _places(_PLACE_TABLE)

# Countries the contact `countries` catalog lists: every country the data uses, and a few
# more that simply match nothing.
EXTRA_COUNTRIES = [("Japan", "JP"), ("South Africa", "ZA"), ("Switzerland", "CH")]

# Faker locale per country, for names that fit the place. Others fall back to en_US.
NAME_LOCALES = {
    "GB": "en_GB",
    "IE": "en_GB",
    "DE": "de_DE",
    "FR": "fr_FR",
    "ES": "es_ES",
    "MX": "es_ES",
    "BR": "pt_BR",
    "IT": "it_IT",
    "NL": "nl_NL",
    "SE": "sv_SE",
    "IN": "en_IN",
}

# Phone country calling codes.
CALLING_CODES = {
    "US": "1", "CA": "1", "GB": "44", "IE": "353", "DE": "49", "FR": "33", "NL": "31",
    "ES": "34", "IT": "39", "SE": "46", "IL": "972", "IN": "91", "SG": "65", "AU": "61",
    "BR": "55", "MX": "52",
}  # fmt: skip
