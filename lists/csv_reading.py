"""Reading the CSV files salespeople upload: any common encoding and delimiter, blank lines
skipped, a readable message for whatever cannot be read. No Django here: bytes in, rows out.

Written over the standard library's `csv` (decoding, `csv.Sniffer` for the delimiter) because
the rules that matter are ours: which encodings to try, what counts as "no header", and what
to tell the person who uploaded the file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

DELIMITERS = ",;\t|"
SAMPLE_CHARS = 64 * 1024
# What one record may hold. A CRM's "all properties" export has a few hundred columns and a
# notes cell a few thousand characters; anything wider is a broken file or a file built to
# cost the portal (20,000 commas on one line once padded every row to 20,000 cells).
MAX_COLUMNS = 500
MAX_CELL_CHARS = 10_000
MAX_RECORD_CHARS = 100_000
# Spreadsheet and image signatures people upload instead of a CSV, with what to call them.
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook or another zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word file"),
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
)
_LOOKS_LIKE_DATA = re.compile(
    r"@|://|^www\.|linkedin\.com/|^\+?[\d\s().-]{6,}$|^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$",
    re.IGNORECASE,
)


class CsvError(ValueError):
    """The file cannot be read as a CSV; `str(error)` tells the uploader why and what to do."""


@dataclass
class CsvTable:
    """A file's header and rows. A row keeps its cells up to its last non-empty one, never
    padded to the widest row, so what is kept grows with the file's size and no faster."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line in the file, cells up to the last non-empty one)
    encoding: str
    delimiter: str
    blank_lines: int = 0

    def as_dicts(self):
        """(line, {header: cell}) for every row; a column the row does not reach is absent."""
        for line, cells in self.rows:
            yield line, dict(zip(self.headers, cells, strict=False))


def csv_decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, UTF-16 with a BOM (Excel's "Unicode
    text"), else Windows-1252 (Excel's "CSV" on Windows). CsvError for binary files."""
    if not data.strip():
        raise CsvError("The file is empty. Export the sheet again with its header row and rows.")
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise CsvError(
                f"This file is {what}, not a CSV. In your spreadsheet choose "
                "File → Save as → CSV, then upload that file."
            )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:SAMPLE_CHARS]:
        raise CsvError(
            "This file is not a CSV (it holds binary data). In your spreadsheet choose "
            "File → Save as → CSV, then upload that file."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise CsvError(
        "The portal could not read this file's text encoding. Save it as “CSV UTF-8” and "
        "upload it again."
    )


def csv_delimiter(text: str) -> str:
    """The delimiter: what csv.Sniffer finds in a sample when the header line agrees, else the
    most frequent of , ; tab | in the header line (a one-column file has none: a comma)."""
    sample = text[:SAMPLE_CHARS]
    first_line = next((line for line in sample.splitlines() if line.strip()), "")
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and sniffed in first_line:
        return sniffed
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _header_names(cells: list[str]) -> list[str]:
    """Header cells, named when blank and told apart when repeated."""
    names, seen = [], {}
    for position, cell in enumerate(cells, start=1):
        name = cell.strip() or f"Column {position}"
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        names.append(name if count == 1 else f"{name} ({count})")
    return names


def _looks_like_data(cells: list[str]) -> bool:
    return any(_LOOKS_LIKE_DATA.search(cell.strip()) for cell in cells if cell.strip())


def _trimmed(cells: list[str]) -> list[str]:
    """Stripped cells without the empty ones at the end (what "a,b,,,," means is "a,b")."""
    cells = [cell.strip() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _record_problem(cells: list[str], line: int) -> str:
    """Why one record is more than an import takes ("" when it is not)."""
    if len(cells) > MAX_COLUMNS:
        return (
            f"Line {line} has {len(cells):,} columns; an import takes at most {MAX_COLUMNS:,}. "
            "Keep the columns that identify people or companies (email, LinkedIn URL, name, "
            "company, domain) and upload the file again."
        )
    longest = max(map(len, cells), default=0)
    if longest > MAX_CELL_CHARS:
        return (
            f"Line {line} has a cell of {longest:,} characters; a cell holds at most "
            f"{MAX_CELL_CHARS:,}. A stray quote character can make the rest of a file one cell: "
            "check that line and upload the file again."
        )
    if sum(map(len, cells)) + len(cells) > MAX_RECORD_CHARS:
        return (
            f"Line {line} holds more than {MAX_RECORD_CHARS:,} characters, more than an import "
            "takes on one line. Check that line and upload the file again."
        )
    return ""


def csv_read(data: bytes, *, max_rows: int) -> CsvTable:
    """Rows of an uploaded CSV keyed by its header line. CsvError says what is wrong: empty,
    binary, no header, no rows, more than `max_rows` rows, a line wider or longer than an
    import takes (MAX_COLUMNS, MAX_CELL_CHARS, MAX_RECORD_CHARS)."""
    text, encoding = csv_decode(data)
    delimiter = csv_delimiter(text)
    # newline="" keeps line breaks inside quoted cells; line_num counts the file's lines.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    blank, previous_line = 0, 0
    try:
        for cells in reader:
            line = previous_line + 1  # where this record starts
            previous_line = reader.line_num
            cells = _trimmed(cells)
            if not cells:
                blank += 1
                continue
            problem = _record_problem(cells, line)
            if problem:
                raise CsvError(problem)
            if headers is None:
                if _looks_like_data(cells):
                    raise CsvError(
                        "The first line of the file holds data, not column names. Add a header "
                        "row (for example: First name, Last name, Company, Email) and upload "
                        "it again."
                    )
                headers = _header_names(cells)
                continue
            if len(rows) >= max_rows:
                raise CsvError(
                    f"The file has more than {max_rows:,} rows, the most one import takes. "
                    "Split it into smaller files and import each."
                )
            if len(cells) > len(headers):
                # Cells beyond the header still count: name their columns rather than drop them.
                headers = (
                    headers
                    + _header_names([""] * len(headers) + [""] * (len(cells) - len(headers)))[
                        len(headers) :
                    ]
                )
            rows.append((line, cells))
    except csv.Error as error:
        raise CsvError(
            f"The file could not be read as CSV near line {previous_line + 1} ({error}). "
            "Check for a stray quote character and upload it again."
        ) from error
    if headers is None:
        raise CsvError("The file is empty. Export the sheet again with its header row and rows.")
    if not rows:
        raise CsvError("The file has a header row but no rows under it.")
    return CsvTable(
        headers=headers, rows=rows, encoding=encoding, delimiter=delimiter, blank_lines=blank
    )


# ---- what the columns mean ------------------------------------------------------------------

CONTACT_FIELDS = {
    "email": "Email",
    "linkedin_url": "LinkedIn URL",
    "first_name": "First name",
    "last_name": "Last name",
    "company_name": "Company name",
    "company_domain": "Company domain or website",
}
COMPANY_FIELDS = {"domain": "Domain or website", "name": "Company name"}

_WEBSITE = ["website", "domain", "websiteurl", "url", "web", "site", "homepage", "webaddress"]
# Header spellings seen in CRM and spreadsheet exports, compared without case, spaces or
# punctuation ("E-mail", "Email Address" and "email_address" are one name).
_SYNONYMS = {
    "contacts": {
        "email": ["email", "emailaddress", "mail", "workemail", "workemailaddress",
                  "businessemail", "businessemailaddress", "professionalemail",
                  "corporateemail", "primaryemail", "contactemail", "emailwork"],
        "linkedin_url": ["linkedin", "linkedinurl", "linkedinprofile", "linkedinprofileurl",
                         "linkedinlink", "profile", "profileurl", "profilelink", "li", "liurl",
                         "personlinkedinurl", "contactlinkedinurl"],
        "first_name": ["firstname", "first", "givenname", "forename", "fname", "prenom",
                       "vorname"],
        "last_name": ["lastname", "last", "surname", "familyname", "lname", "nom",
                      "nachname"],
        "company_name": ["company", "companyname", "account", "accountname", "organization",
                         "organisation", "organizationname", "organisationname", "employer",
                         "currentcompany", "business", "firm"],
        "company_domain": ["companydomain", "companywebsite", "companyurl", "accountwebsite",
                           "accountdomain", "emaildomain", *_WEBSITE],
    },
    "companies": {
        "domain": ["companydomain", "companywebsite", "companyurl", "accountwebsite",
                   "accountdomain", *_WEBSITE],
        "name": ["company", "companyname", "name", "account", "accountname", "organization",
                 "organisation", "organizationname", "organisationname", "business", "firm"],
    },
}  # fmt: skip
# Second pass, for headers no synonym names exactly ("Work Email Address (primary)").
_CONTAINS = {
    "email": (("email",), ("domain",)),
    "linkedin_url": (("linkedin",), ("company",)),
    "first_name": (("firstname", "givenname"), ()),
    "last_name": (("lastname", "surname", "familyname"), ()),
    "company_name": (("companyname", "accountname", "organization", "organisation"), ()),
    "company_domain": (("website", "domain"), ("email",)),
    "domain": (("website", "domain"), ("email",)),
    "name": (("companyname", "accountname", "organization", "organisation"), ()),
}


def portal_fields(kind: str) -> dict[str, str]:
    """The portal's fields for a kind of import, with their labels, in display order."""
    return COMPANY_FIELDS if kind == "companies" else CONTACT_FIELDS


def _squash(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def columns_guess(headers: list[str], kind: str) -> dict[str, str]:
    """Portal field -> the CSV column that most likely holds it (one column per field)."""
    squashed = {header: _squash(header) for header in headers}
    guesses: dict[str, str] = {}
    for field_name, names in _SYNONYMS["companies" if kind == "companies" else "contacts"].items():
        for header in headers:
            if squashed[header] in names and header not in guesses.values():
                guesses[field_name] = header
                break
    for field_name in portal_fields(kind):
        if field_name in guesses:
            continue
        wanted, unwanted = _CONTAINS[field_name]
        for header in headers:
            name = squashed[header]
            if (
                header not in guesses.values()
                and any(word in name for word in wanted)
                and not any(word in name for word in unwanted)
            ):
                guesses[field_name] = header
                break
    return {
        field_name: guesses[field_name]
        for field_name in portal_fields(kind)
        if field_name in guesses
    }


def mapping_problem(mapping: dict[str, str], kind: str) -> str:
    """Why a mapping cannot identify anyone (an empty string when it can)."""
    chosen = {field_name for field_name, column in mapping.items() if column}
    if kind == "companies":
        if not chosen & {"domain", "name"}:
            return "Choose the column that holds the company's domain (or website) or its name."
        return ""
    if chosen & {"email", "linkedin_url"}:
        return ""
    if {"first_name", "last_name"} <= chosen and chosen & {"company_name", "company_domain"}:
        return ""
    return (
        "Choose a column for the email or the LinkedIn URL, or for the first name, last name "
        "and company (name or domain): Lusha needs one of these to find a person."
    )


# ---- from a row's values to what Lusha is asked ----------------------------------------------

REASON_EMAIL = "not a valid email address"
REASON_LINKEDIN = "not a valid LinkedIn URL"
REASON_NAME = "needs both first and last name"
REASON_DOMAIN = "not a valid domain"
REASON_NO_CONTACT_ID = "no email, LinkedIn URL or name and company"
REASON_NO_COMPANY_ID = "no domain or company name"

_EMAIL = re.compile(r"^[^@\s,;<>()\[\]]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$", re.IGNORECASE)
_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LINKEDIN = re.compile(r"^(https?://)?([a-z]{2,3}\.)?linkedin\.com/(in|pub)/[^/?#\s]+", re.I)


def domain_normalise(value: str) -> str:
    """`https://www.Acme.com/about` -> `acme.com`; "" when it is not a domain."""
    value = value.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value).split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    value = value.removeprefix("www.").rstrip(".")
    return value if _DOMAIN.match(value) else ""


def linkedin_normalise(value: str) -> str:
    """A person's LinkedIn profile URL as https://www.linkedin.com/in/...; "" when it is not."""
    value = value.strip()
    match = _LINKEDIN.match(value)
    if not match:
        return ""
    path = value[match.start(3) - 1 : match.end()].rstrip("/")
    return f"https://www.linkedin.com{path}"


def contact_identifier(values: dict[str, str]) -> tuple[dict[str, str], str, str]:
    """(what Lusha is asked, why the row cannot be asked, the key duplicates share)."""
    email = values.get("email", "").strip()
    linkedin = values.get("linkedin_url", "").strip()
    first = values.get("first_name", "").strip()
    last = values.get("last_name", "").strip()
    company = values.get("company_name", "").strip()
    raw_domain = values.get("company_domain", "").strip()
    domain = domain_normalise(raw_domain)
    asked: dict[str, str] = {}
    if linkedin and linkedin_normalise(linkedin):
        asked["linkedinUrl"] = linkedin_normalise(linkedin)
    if email and _EMAIL.match(email):
        asked["email"] = email
    if first and last and (company or domain):
        asked.update(firstName=first, lastName=last)
        if company:
            asked["companyName"] = company
        if domain:
            asked["companyDomain"] = domain
    if asked:
        if "linkedinUrl" in asked:
            key = "linkedin:" + asked["linkedinUrl"].lower()
        elif "email" in asked:
            key = "email:" + asked["email"].lower()
        else:
            key = f"name:{first} {last} @ {domain or company}".lower()
        return asked, "", key
    if email:
        return {}, REASON_EMAIL, ""
    if linkedin:
        return {}, REASON_LINKEDIN, ""
    if bool(first) != bool(last):
        return {}, REASON_NAME, ""
    if first and last and raw_domain and not company:
        return {}, REASON_DOMAIN, ""
    return {}, REASON_NO_CONTACT_ID, ""


def company_identifier(values: dict[str, str]) -> tuple[dict[str, str], str, str]:
    """(what Lusha is asked, why the row cannot be asked, the key duplicates share)."""
    raw_domain = values.get("domain", "").strip()
    domain = domain_normalise(raw_domain)
    name = values.get("name", "").strip()
    asked = {key: value for key, value in (("domain", domain), ("name", name)) if value}
    if asked:
        key = f"domain:{domain}" if domain else f"name:{name.lower()}"
        return asked, "", key
    return {}, REASON_DOMAIN if raw_domain else REASON_NO_COMPANY_ID, ""


# ---- writing ---------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_neutralise(value: str) -> str:
    """A cell a spreadsheet will not run as a formula: a leading = + - @ tab or CR gets a '."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
