"""What every output column means, in Dutch: a short alias and a sentence.

The workbook's sheet ``toelichting`` lists these sentences, and the GeoPackage gives each field
the alias (QGIS shows it as the field name) and the sentence as its description. Column names
carry the years and the category slugs (``count_2024_jeugd``), so the notes are made from
patterns; :func:`describe` returns ``None`` for a column it does not know, which the tests
catch for every table the tool writes. With the build's periods a column's key is named by
the period's label (``Meldingen jul 2023–jun 2024``) and the trend by its number of quarters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hotspotkaart.config.settings import Periods

__all__ = ["ColumnNote", "describe", "layer_descriptions"]


@dataclass(frozen=True)
class ColumnNote:
    """What one column means: a short ``alias`` (a field name in QGIS) and a ``description``."""

    alias: str
    description: str


#: Makes the note of a column from its name's match, the category names and the periods.
_Maker = Callable[[re.Match[str], Mapping[str, str], Periods | None], ColumnNote | None]


_FIXED: dict[str, tuple[str, str]] = {
    "buurtcode": ("Buurtcode", "CBS-code van de buurt (BU + 8 cijfers)."),
    "buurtnaam": ("Buurt", "Naam van de buurt volgens CBS."),
    "wijkcode": ("Wijkcode", "CBS-code van de wijk (WK + 6 cijfers)."),
    "wijknaam": ("Wijk", "Naam van de wijk volgens CBS."),
    "gemeentecode": ("Gemeentecode", "CBS-code van de gemeente (GM + 4 cijfers)."),
    "gemeentenaam": ("Gemeente", "Naam van de gemeente."),
    "aantal_inwoners": ("Inwoners", "Aantal inwoners volgens CBS (leeg waar CBS het "
                        "geheimhoudt)."),
    "diff": ("Verschil", "Aantal in het vergelijkingsjaar min aantal in het basisjaar."),
    "pct_change": ("Verandering (%)", "Verschil in procenten van het basisjaar; leeg als het "
                   "basisjaar minder meldingen heeft dan het minimum voor een toets."),
    "cell_id": ("Cel", "Code van de rastercel: E + x en N + y van de linkeronderhoek in "
                "hectometers, zoals de CBS-vierkanten."),
    "x_min": ("x linksonder", "x-coördinaat (RD, meter) van de linkeronderhoek van de cel."),
    "y_min": ("y linksonder", "y-coördinaat (RD, meter) van de linkeronderhoek van de cel."),
    "transition": ("Overgang hot spot", "Beschrijving van de hot-spotlabels van beide jaren: "
                   "blijvend, nieuw, verdwenen of geen; geen toets van verandering."),
    "transition_cold": ("Overgang cold spot", "Als 'Overgang hot spot', voor cold spots."),
    "zone_id": ("Zone", "Nummer van de zone in de uitvoer."),
    "name": ("Naam", "Naam van de zone uit het invoerbestand."),
    "valid_from": ("Geldig vanaf", "Eerste dag waarop de zone gold (leeg: altijd al)."),
    "valid_to": ("Geldig tot en met", "Laatste dag waarop de zone gold (leeg: nog geldig)."),
    "source": ("Bronbestand", "Het invoerbestand waaruit het record komt."),
    "row": ("Rij", "Rijnummer in het invoerbestand (1 = eerste record na de kop)."),
    "reason": ("Reden", "Waarom het record niet is gebruikt."),
    "detail": ("Toelichting", "De waarde of het probleem dat de afwijzing veroorzaakte."),
    "melding_id": ("Melding", "Kenmerk van de melding uit het invoerbestand."),
    "date": ("Datum en tijd", "Datum en tijd van de melding (lokale tijd)."),
    "timed": ("Tijd bekend", "Of de bron een tijd gaf (anders alleen een datum: dan telt de "
              "melding niet mee per uur)."),
    "time_from": ("Tijdvak vanaf", "Vroegste moment van het tijdvak dat de bron gaf (lokale "
                  "tijd); leeg als het tijdvak geen uur vastlegt."),
    "time_to": ("Tijdvak tot", "Laatste moment van het tijdvak (lokale tijd); de melding telt "
                "per uur verdeeld over de uren ertussen."),
    "period": ("Periode", "Het jaar waarin de melding valt."),
    "category": ("Categorie", "Soort overlast van de melding."),
    "area_type": ("Gebiedsniveau", "stad, wijk, buurt of hotspot (een cluster van aangrenzende "
                  "hot-spotcellen van één jaar)."),
    "area_code": ("Gebiedscode", "CBS-code van de wijk of buurt, of de code van het "
                  "hot-spotcluster (jaar-nummer, als in grid.csv); leeg voor de hele stad."),
    "weekday": ("Weekdag", "1 = maandag … 7 = zondag; leeg voor meldingen zonder tijd."),
    "hour": ("Uur", "Uur van de dag (0–23, lokale tijd); leeg voor meldingen zonder tijd."),
    "count": ("Meldingen", "Aantal meldingen."),
    "month": ("Maand", "Kalendermaand (jjjj-mm)."),
    "hour_from": ("Van (uur)", "Begin van het blok van 3 uur (lokale tijd)."),
    "hour_to": ("Tot (uur)", "Einde van het blok van 3 uur (niet inbegrepen)."),
    "p": ("p-waarde", "Overschrijdingskans van de toets."),
    "q": ("q-waarde", "p-waarde gecorrigeerd voor het aantal toetsen (Benjamini–Hochberg, "
          "FDR)."),
    "hot": ("Hot time", "Het blok heeft significant meer meldingen dan het gemiddelde van het "
            "gebied (q ten hoogste het FDR-niveau)."),
    "pooling": ("Indeling", "Hoe weekdagen en dagdelen zijn samengenomen zodat de toets geldig "
                "is; leeg als niet getoetst."),
    "statistic": ("Toetsgrootheid", "Pearsons X² gedeeld door de dispersie."),
    "df": ("Vrijheidsgraden", "Vrijheidsgraden van de chikwadraattoets (0: niet getoetst)."),
    "changed": ("Profiel veranderd", "De verdeling over week en dag verschilt significant "
                "tussen de jaren."),
    "trend_q": ("q-waarde trend", "p-waarde van de trendtoets gecorrigeerd voor alle "
                "gebieden of cellen (FDR)."),
}

#: The notes of the trend, by its number of quarters ``{steps}`` (8 for two calendar years).
_TREND: dict[str, tuple[str, str]] = {
    "trend_s": ("Trend S", "Kendalls S van de meldingen per dag over de {steps} kwartalen "
                "(positief: toenemend)."),
    "trend_p": ("p-waarde trend", "{test} over de {steps} kwartalen."),
    "trend_class": ("Trend", "toenemend, afnemend, geen trend of te weinig meldingen "
                    "(Mann–Kendall over {steps} kwartalen, FDR)."),
}

#: Per table, the meaning of a name that means something else elsewhere.
_PER_TABLE: dict[str, dict[str, tuple[str, str]]] = {
    "zones": {"kind": ("Soort zone", "cameratoezicht, alcoholverbod of "
                       "veiligheidsrisicogebied.")},
    "rejected": {"kind": ("Soort invoer", "Meldingen, grenzen, zones of locaties.")},
    "tijden": {"category": ("Categorie", "Soort overlast; leeg = alle categorieën samen."),
               "count": ("Meldingen", "Aantal meldingen. Een melding met een tijdvak (van–tot) "
                         "telt verdeeld over de uren die het tijdvak beslaat, naar de tijd in "
                         "elk uur (aoristisch): dan kan het aantal een breuk zijn (3 "
                         "decimalen).")},
    "maanden": {"category": ("Categorie", "Soort overlast; leeg = alle categorieën samen.")},
    "hottijden": {"count": ("Meldingen", "Meldingen met een tijdstip in het blok, of met een "
                            "tijdvak dat binnen het blok valt; een tijdvak over meer blokken "
                            "telt in de toets niet mee."),
                  "expected": ("Verwacht", "Verwacht aantal bij gelijke spreiding over de "
                               "uren van de week (naar het aantal van elke weekdag).")},
}

_TESTS = {
    "": ("per dag", "tegen een ongewijzigd aantal meldingen per dag (exacte binomiale toets, "
         "op effectieve aantallen: aantal / dispersie)"),
    "trend": ("tegen stadstrend", "tegen de trend van de hele stad"),
    "split": ("voor en na", "binnen het vergelijkingsjaar, vóór tegen vanaf de ingangsdatum "
              "van de zone"),
}


def describe(table: str, column: str, *, categories: Mapping[str, str] | None = None,
             periods: Periods | None = None) -> ColumnNote | None:
    """Return what ``column`` of output table ``table`` means, or ``None`` when unknown.

    Parameters
    ----------
    table : str
        The table: ``buurten``, ``wijken``, ``grid``, ``zones``, ``rejected`` or
        ``incidents``. In ``rejected`` every column after the fixed ones is a field of the
        input, kept as it was.
    column : str
        The column name.
    categories : mapping of str to str, optional
        Category slug to category name, so ``count_2024_jeugd`` reads "Jeugd".
    periods : Periods, optional
        The build's periods: name the keys of the columns by their labels and the trend by
        its quarters (two calendar years without).
    """
    names = dict(categories or {})
    if column == "period" and periods is not None and not periods.calendar_years:
        return ColumnNote("Periode", "De periode waarin de melding valt, genoemd naar het jaar "
                                     "waarin zij begint (zie summary.json, periods).")
    if column in _TREND:
        return _trend(column, 8 if periods is None else periods.steps)
    fixed = _PER_TABLE.get(table, {}).get(column) or _FIXED.get(column)
    if fixed is not None:
        return ColumnNote(*fixed)
    for pattern, make in _PATTERNS:
        match = pattern.fullmatch(column)
        if match is not None:
            note = make(match, names, periods)
            if note is not None:
                return note
    if table == "rejected":
        return ColumnNote(column, f"Veld '{column}' van het invoerbestand, zoals het er stond.")
    return None


def layer_descriptions(periods: Periods, cell_size: float) -> dict[str, str]:
    """Describe each GeoPackage layer in Dutch (QGIS shows it in the layer's properties)."""
    base, compare = (periods.label(y) for y in periods.years)
    return {
        "buurten": f"Meldingen per CBS-buurt in {base} en {compare}, met de getoetste "
                   "verandering; toelichting per veld in hotspotkaart.xlsx (blad toelichting)",
        "wijken": f"Meldingen per CBS-wijk in {base} en {compare}, met de getoetste verandering",
        "gemeenten": f"Meldingen per gemeente van de regio in {base} en {compare}, met de "
                     "getoetste verandering",
        "grid": f"Rastercellen van {cell_size:g} m: meldingen, hot spots per jaar en de "
                "getoetste verandering van de 3 × 3 cellen",
        "zones": "Cameratoezicht, alcoholverbod en veiligheidsrisicogebieden met de meldingen "
                 "binnen, in de rand en buiten op geldige dagen",
        "incidents": "Gebruikte meldingen met datum en tijd (UTC), buurt, wijk en zones",
    }


def _trend(column: str, steps: int) -> ColumnNote:
    """Return the note of a trend column for a trend over ``steps`` quarters."""
    test = ("Exacte Mann–Kendall-toets" if steps == 8 else  # exact up to 9 steps
            "Mann–Kendall-toets (exact tot 9 kwartalen, daarboven de normale benadering)")
    alias, text = _TREND[column]
    return ColumnNote(alias, text.format(steps=steps, test=test))


def _period(key: str, periods: Periods | None) -> str:
    """Name the period of a column's key: its label with ``periods``, else the key itself."""
    return periods.label(int(key)) if periods is not None and int(key) in periods.keys else key


def _category(slug: str | None, names: Mapping[str, str]) -> str:
    return "" if not slug else f", categorie {names.get(slug, slug)}"


def _count(match: re.Match[str], names: Mapping[str, str],
           periods: Periods | None) -> ColumnNote:
    year, slug = _period(match.group(1), periods), match.group(2)
    label = f" – {names.get(slug, slug)}" if slug else ""
    return ColumnNote(f"Meldingen {year}{label}",
                      f"Aantal meldingen in {year}{_category(slug, names)}.")


def _test(match: re.Match[str], names: Mapping[str, str],
          _periods: Periods | None) -> ColumnNote | None:
    kind, suffix = match.group(1), match.group(2) or ""
    short, long = _TESTS.get(suffix, ("per dag", _TESTS[""][1]))
    what = "" if suffix in _TESTS else _category(suffix, names)
    if kind == "p_value":
        return ColumnNote(f"p-waarde ({short}){what}", f"Overschrijdingskans van de toets "
                          f"{long}{what}.")
    if kind == "q_value":
        return ColumnNote(f"q-waarde ({short}){what}", "p-waarde gecorrigeerd voor het aantal "
                          f"toetsen (Benjamini–Hochberg, FDR){what}.")
    return ColumnNote(f"Verandering ({short}){what}", "Uitkomst van de toets "
                      f"{long}{what}: significante stijging, significante daling, geen "
                      "significante verandering, te weinig meldingen, niet vergelijkbaar of "
                      "te kort geldig.")


def _yearly(alias: str, sentence: str) -> _Maker:
    def make(match: re.Match[str], _names: Mapping[str, str],
             periods: Periods | None) -> ColumnNote:
        year = _period(match.group(1), periods)
        return ColumnNote(f"{alias} {year}", sentence.format(year=year))
    return make


_YEARLY: dict[str, tuple[str, str]] = {  # column prefix before _<year>: alias, sentence
    "rate": ("Per 1000 inwoners", "Meldingen in {year} per 1 000 inwoners."),
    "share": ("Aandeel stad", "Aandeel (0–1) van alle meldingen van de stad in {year}."),
    "window": ("Meldingen 3 × 3", "Meldingen in {year} in de cel en haar 8 buurcellen."),
    "expected": ("Verwacht 3 × 3", "Verwacht aantal in de 3 × 3 cellen in {year} bij gelijke "
                                   "spreiding over de buurt en de omgeving (het grootste van "
                                   "beide)."),
    "gi_z": ("Gi* z", "Getis-Ord Gi* z-waarde in {year} (beschrijving, geen toets)."),
    "gi_p": ("p-waarde hot spot", "Overschrijdingskans van de exacte Poisson-toets van de 3 × 3 "
                                  "cellen in {year}."),
    "gi_q": ("q-waarde hot spot", "p-waarde van de hot-spottoets in {year}, gecorrigeerd voor "
                                  "alle cellen (FDR)."),
    "gi_class": ("Hot spot", "Hot spot 99 %, 95 % of 90 %, cold spot of niet significant in "
                             "{year}."),
    "hotspot": ("Hot-spotcluster", "Code van het cluster van aangrenzende hot-spotcellen "
                                   "(elke zekerheid) waartoe de cel in {year} hoort: jaar-nummer, "
                                   "1 = het cluster met de meeste meldingen; leeg als de cel "
                                   "geen hot spot is. Zijn tijden staan in tijden.csv en "
                                   "hottijden.csv."),
    "valid_days": ("Geldige dagen", "Dagen in {year} waarop de zone gold."),
    "inside": ("Binnen", "Meldingen in {year} in de zone, op dagen dat zij gold."),
    "ring": ("Rand", "Meldingen in {year} in de rand rond de zone (tot de bufferafstand), op "
                     "geldige dagen."),
    "outside": ("Buiten", "Overige meldingen van de stad in {year}, op geldige dagen."),
    "share_inside": ("Aandeel binnen", "Aandeel (0–1) van de meldingen van de stad op geldige "
                                       "dagen in {year} dat in de zone viel."),
    "before": ("Vóór ingang", "Meldingen in de zone in {year} vóór de ingangsdatum."),
    "after": ("Vanaf ingang", "Meldingen in de zone in {year} vanaf de ingangsdatum, op geldige "
                              "dagen."),
    "days_before": ("Dagen vóór", "Dagen in {year} vóór de ingangsdatum."),
    "days_after": ("Dagen vanaf", "Geldige dagen in {year} vanaf de ingangsdatum."),
}

_PATTERNS: list[tuple[re.Pattern[str], _Maker]] = [
    (re.compile(r"count_(\d{4})(?:_(\w+))?"), _count),
    (re.compile(r"(p_value|q_value|change_class)(?:_(\w+))?"), _test),
    *((re.compile(rf"{prefix}_(\d{{4}})"), _yearly(alias, sentence))
      for prefix, (alias, sentence) in _YEARLY.items()),
    (re.compile(r"in_(\w+)"), lambda m, _n, _p: ColumnNote(
        f"In {m.group(1)}", f"De melding ligt in een zone {m.group(1)} die op haar datum "
        "gold.")),
]
