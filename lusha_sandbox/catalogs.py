"""The sandbox's fixed vocabularies: the values the filter catalogs list and the data uses.

Value formats follow Lusha's V3 OpenAPI examples (seniority labels such as "Vice President",
departments such as "Engineering & Technical", industries such as "Technology, Information &
Media") and, where V3 gives no example, the V2 description of the same catalog (seniority as
`{"id", "name"}`, SIC/NAICS as `{"code", "label"}`, industries as a main/sub hierarchy).
"""

from typing import NamedTuple

# Seniority: ids as the prospecting filter takes them (`seniorityIds`), labels as the contact
# previews show them. V2's catalog example: founder 10, c-suite 9, vice president 8.
SENIORITIES: dict[int, str] = {
    1: "Other",
    2: "Intern",
    3: "Non-Manager",
    4: "Senior",
    5: "Manager",
    6: "Director",
    7: "Partner",
    8: "Vice President",
    9: "C-Suite",
    10: "Founder",
}
# How common each seniority is among the synthetic contacts (same order as the ids).
SENIORITY_WEIGHTS = [2, 2, 30, 20, 20, 12, 2, 6, 4, 2]

DEPARTMENTS = [
    "Business Development",
    "Consulting",
    "Customer Service",
    "Engineering & Technical",
    "Finance",
    "General Management",
    "Health Care & Medical",
    "Human Resources",
    "Information Technology",
    "Legal",
    "Marketing",
    "Operations",
    "Other",
    "Product",
    "Research & Analytics",
    "Sales",
]
DEPARTMENT_WEIGHTS = [6, 3, 7, 16, 5, 4, 2, 4, 7, 2, 8, 8, 3, 6, 4, 15]

# Job functions per department, combined with the seniority into a title.
ROLES: dict[str, list[str]] = {
    "Business Development": ["Business Development", "Partnerships", "Alliances"],
    "Consulting": ["Consulting", "Advisory Services", "Solutions Consulting"],
    "Customer Service": ["Customer Success", "Customer Support", "Client Services"],
    "Engineering & Technical": ["Engineering", "Software Engineering", "Platform Engineering"],
    "Finance": ["Finance", "Financial Planning & Analysis", "Accounting"],
    "General Management": ["Operations Management", "Strategy", "General Management"],
    "Health Care & Medical": ["Clinical Operations", "Medical Affairs", "Nursing"],
    "Human Resources": ["People Operations", "Talent Acquisition", "Human Resources"],
    "Information Technology": ["IT", "Information Security", "IT Infrastructure"],
    "Legal": ["Legal", "Compliance", "Contracts"],
    "Marketing": ["Marketing", "Demand Generation", "Product Marketing", "Brand"],
    "Operations": ["Operations", "Supply Chain", "Procurement"],
    "Other": ["Administration", "Facilities", "Office Management"],
    "Product": ["Product", "Product Management", "Product Design"],
    "Research & Analytics": ["Data Science", "Research", "Business Intelligence"],
    "Sales": ["Sales", "Enterprise Sales", "Inside Sales", "Revenue Operations"],
}
# Individual-contributor titles per department (Non-Manager and Senior levels).
IC_TITLES: dict[str, list[str]] = {
    "Business Development": ["Business Development Representative", "Partner Manager"],
    "Consulting": ["Consultant", "Solutions Consultant"],
    "Customer Service": ["Customer Success Manager", "Support Specialist"],
    "Engineering & Technical": ["Software Engineer", "Backend Engineer", "DevOps Engineer"],
    "Finance": ["Financial Analyst", "Accountant"],
    "General Management": ["Chief of Staff", "Business Operations Analyst"],
    "Health Care & Medical": ["Registered Nurse", "Clinical Specialist"],
    "Human Resources": ["Recruiter", "HR Business Partner"],
    "Information Technology": ["Systems Administrator", "Security Analyst"],
    "Legal": ["Legal Counsel", "Paralegal"],
    "Marketing": ["Marketing Specialist", "Content Marketer", "Growth Marketer"],
    "Operations": ["Operations Analyst", "Buyer"],
    "Other": ["Office Manager", "Executive Assistant"],
    "Product": ["Product Manager", "Product Designer"],
    "Research & Analytics": ["Data Scientist", "Data Analyst"],
    "Sales": ["Account Executive", "Sales Development Representative", "Account Manager"],
}
C_SUITE_TITLES: dict[str, str] = {
    "Engineering & Technical": "Chief Technology Officer",
    "Finance": "Chief Financial Officer",
    "Marketing": "Chief Marketing Officer",
    "Sales": "Chief Revenue Officer",
    "Operations": "Chief Operating Officer",
    "Human Resources": "Chief People Officer",
    "Information Technology": "Chief Information Officer",
    "Product": "Chief Product Officer",
    "Legal": "General Counsel",
}

EXISTING_DATA_POINTS = [
    "work_email",
    "private_email",
    "phone",
    "mobile_phone",
    "direct_phone",
    "work_phone",
]


class SubIndustry(NamedTuple):
    id: int
    label: str
    sic: tuple[int, str]
    naics: tuple[int, str]


class Industry(NamedTuple):
    id: int
    label: str
    weight: int
    subs: list[SubIndustry]
    words: list[str]  # words that go into company names


INDUSTRIES: list[Industry] = [
    Industry(1, "Technology, Information & Media", 30, [
        SubIndustry(101, "Software Development", (7371, "Custom computer programming services"),
                    (541511, "Custom Computer Programming Services")),
        SubIndustry(102, "IT Services and IT Consulting",
                    (7373, "Computer integrated systems design"),
                    (541512, "Computer Systems Design Services")),
        SubIndustry(103, "Telecommunications", (4813, "Telephone communications"),
                    (517111, "Wired Telecommunications Carriers")),
        SubIndustry(104, "Internet Publishing", (7375, "Information retrieval services"),
                    (519290, "Web Search Portals and All Other Information Services")),
    ], ["Cloud", "Data", "Logic", "Stack", "Byte", "Signal", "Pixel", "Grid", "Code", "Sync"]),
    Industry(2, "Financial Services", 12, [
        SubIndustry(201, "Banking", (6021, "National commercial banks"),
                    (522110, "Commercial Banking")),
        SubIndustry(202, "Insurance", (6411, "Insurance agents, brokers and service"),
                    (524210, "Insurance Agencies and Brokerages")),
        SubIndustry(203, "Investment Management", (6282, "Investment advice"),
                    (523940, "Portfolio Management and Investment Advice")),
    ], ["Capital", "Ledger", "Trust", "Wealth", "Harbor", "Summit", "Anchor", "Mint"]),
    Industry(3, "Hospitals & Health Care", 10, [
        SubIndustry(301, "Hospitals", (8062, "General medical and surgical hospitals"),
                    (622110, "General Medical and Surgical Hospitals")),
        SubIndustry(302, "Medical Equipment Manufacturing",
                    (3841, "Surgical and medical instruments"),
                    (339112, "Surgical and Medical Instrument Manufacturing")),
        SubIndustry(303, "Pharmaceutical Manufacturing",
                    (2834, "Pharmaceutical preparations"),
                    (325412, "Pharmaceutical Preparation Manufacturing")),
    ], ["Health", "Care", "Vita", "Medica", "Cura", "Thera", "Pulse", "Bio"]),
    Industry(4, "Manufacturing", 10, [
        SubIndustry(401, "Industrial Machinery Manufacturing",
                    (3569, "General industrial machinery"),
                    (333998, "All Other Miscellaneous General Purpose Machinery Manufacturing")),
        SubIndustry(402, "Motor Vehicle Manufacturing",
                    (3711, "Motor vehicles and car bodies"),
                    (336110, "Automobile and Light Duty Motor Vehicle Manufacturing")),
        SubIndustry(403, "Chemical Manufacturing", (2869, "Industrial organic chemicals"),
                    (325199, "All Other Basic Organic Chemical Manufacturing")),
    ], ["Forge", "Steel", "Works", "Dynamics", "Precision", "Motion", "Alloy", "Gear"]),
    Industry(5, "Retail", 8, [
        SubIndustry(501, "Retail Apparel and Fashion", (5651, "Family clothing stores"),
                    (458110, "Clothing and Clothing Accessories Retailers")),
        SubIndustry(502, "Online and Mail Order Retail",
                    (5961, "Catalog and mail-order houses"),
                    (455219, "All Other General Merchandise Retailers")),
        SubIndustry(503, "Food and Beverage Retail", (5411, "Grocery stores"),
                    (445110, "Supermarkets and Other Grocery Retailers")),
    ], ["Market", "Goods", "Outfitters", "Basket", "Shop", "Trade", "Emporium"]),
    Industry(6, "Professional Services", 12, [
        SubIndustry(601, "Business Consulting and Services",
                    (8742, "Management consulting services"),
                    (541611, "Administrative Management and General Management Consulting "
                             "Services")),
        SubIndustry(602, "Legal Services", (8111, "Legal services"),
                    (541110, "Offices of Lawyers")),
        SubIndustry(603, "Accounting", (8721, "Accounting, auditing, and bookkeeping"),
                    (541211, "Offices of Certified Public Accountants")),
        SubIndustry(604, "Advertising Services", (7311, "Advertising agencies"),
                    (541810, "Advertising Agencies")),
    ], ["Partners", "Advisory", "Group", "Associates", "Consulting", "Strategy", "Counsel"]),
    Industry(7, "Education", 5, [
        SubIndustry(701, "Higher Education", (8221, "Colleges and universities"),
                    (611310, "Colleges, Universities, and Professional Schools")),
        SubIndustry(702, "E-Learning Providers", (8299, "Schools and educational services"),
                    (611710, "Educational Support Services")),
    ], ["Learning", "Academy", "Scholar", "Campus", "Mentor", "Tutor"]),
    Industry(8, "Real Estate & Construction", 6, [
        SubIndustry(801, "Real Estate", (6531, "Real estate agents and managers"),
                    (531210, "Offices of Real Estate Agents and Brokers")),
        SubIndustry(802, "Construction", (1542, "General contractors-nonresidential buildings"),
                    (236220, "Commercial and Institutional Building Construction")),
    ], ["Homes", "Build", "Properties", "Realty", "Structures", "Estates"]),
    Industry(9, "Transportation, Logistics & Storage", 4, [
        SubIndustry(901, "Truck Transportation", (4213, "Trucking, except local"),
                    (484121, "General Freight Trucking, Long-Distance, Truckload")),
        SubIndustry(902, "Warehousing and Storage", (4225, "General warehousing and storage"),
                    (493110, "General Warehousing and Storage")),
    ], ["Freight", "Logistics", "Transit", "Cargo", "Route", "Fleet"]),
    Industry(10, "Hospitality", 3, [
        SubIndustry(1001, "Hotels and Motels", (7011, "Hotels and motels"),
                    (721110, "Hotels (except Casino Hotels) and Motels")),
        SubIndustry(1002, "Restaurants", (5812, "Eating places"),
                    (722511, "Full-Service Restaurants")),
    ], ["Hotels", "Hospitality", "Kitchen", "Resorts", "Table", "Stay"]),
]  # fmt: skip

NAME_PREFIXES = [
    "Blue", "North", "Bright", "Silver", "Apex", "Nova", "Vertex", "Quantum", "Evergreen",
    "Cedar", "Iron", "Clear", "Prime", "Red", "Granite", "Pioneer", "Atlas", "Lumen", "Orbit",
    "Harbor", "Crescent", "Falcon", "Summit", "Willow", "Aurora", "Beacon", "Cobalt", "Delta",
    "Ember", "Fusion", "Horizon", "Keystone", "Maple", "Nimbus", "Onyx", "Polar", "Riverstone",
    "Sterling", "Tidal", "Union", "Vantage", "Zenith", "Oak", "Pine", "Coral", "Sage", "Echo",
]  # fmt: skip
NAME_SUFFIXES = ["", "", "", " Inc", " Labs", " Group", " Technologies", " Co", " Solutions"]

# Employee-count ranges (the `sizes` catalog) and revenue ranges (the `revenues` catalog).
SIZE_RANGES: list[tuple[int, int]] = [
    (1, 10), (11, 50), (51, 200), (201, 500), (501, 1000), (1001, 5000), (5001, 10000),
    (10001, 100000), (100001, 10000000),
]  # fmt: skip
SIZE_WEIGHTS = [10, 22, 24, 16, 10, 10, 4, 3, 1]
REVENUE_RANGES: list[tuple[int, int]] = [
    (1, 1000000), (1000001, 10000000), (10000001, 50000000), (50000001, 100000000),
    (100000001, 250000000), (250000001, 500000000), (500000001, 1000000000),
    (1000000001, 10000000000), (10000000001, 100000000000),
]  # fmt: skip

# What Enrich Companies reveals on request, each charged apart (`reveal` in the request).
COMPANY_EXTRAS = [
    "employeesByDepartment",
    "employeesByLocation",
    "employeesBySeniority",
    "competitors",
    "intent",
    "estimatedAnnualItSpend",
    "monthlyWebsiteTraffic",
]

COMPANY_TYPES = [
    "Private Company",
    "Public Company",
    "Government",
    "Educational",
    "Non Profit",
    "Self Employed",
]
BUSINESS_MODELS = ["B2B", "B2C", "B2G"]

TECHNOLOGIES = [
    "salesforce", "hubspot", "marketo", "pardot", "zendesk", "intercom", "slack",
    "microsoft teams", "zoom", "google workspace", "microsoft 365", "amazon web services",
    "google cloud", "microsoft azure", "cloudflare", "fastly", "akamai", "react", "angular",
    "vue.js", "node.js", "django", "ruby on rails", "php", "java", "python", ".net", "golang",
    "kubernetes", "docker", "terraform", "jenkins", "github", "gitlab", "jira", "confluence",
    "asana", "monday.com", "notion", "figma", "snowflake", "databricks", "tableau", "looker",
    "power bi", "segment", "mixpanel", "amplitude", "google analytics", "hotjar", "optimizely",
    "stripe", "paypal", "shopify", "magento", "woocommerce", "wordpress", "drupal", "contentful",
    "okta", "auth0", "crowdstrike", "sentinelone", "datadog", "new relic", "splunk",
    "pagerduty", "twilio", "sendgrid", "mailchimp", "outreach", "salesloft", "gong", "zoominfo",
    "lusha", "linkedin sales navigator", "workday", "bamboohr", "greenhouse", "lever", "netsuite",
    "sap", "oracle", "quickbooks", "docusign", "dropbox", "box", "amazon",
]  # fmt: skip

INTENT_TOPICS = [
    "Cloud Migration", "Zero Trust", "Digital Sales", "Android", "Accounting", "Data Privacy",
    "Sales Intelligence", "Lead Generation", "Customer Experience", "Marketing Automation",
    "Cybersecurity", "Endpoint Security", "DevOps", "Kubernetes", "Data Warehousing",
    "Business Intelligence", "Machine Learning", "Generative AI", "ERP", "CRM", "HR Software",
    "Payroll", "Talent Acquisition", "Employee Engagement", "Supply Chain Management",
    "E-Commerce", "Payment Processing", "Fraud Prevention", "Compliance", "Remote Work",
    "Video Conferencing", "Contact Center", "Account-Based Marketing", "Sales Enablement",
    "Content Management", "Web Analytics", "Observability", "Identity Management",
    "Backup and Recovery", "Digital Transformation",
]  # fmt: skip

# Bombora-style intent categories (the company signal filter `intentCategories`).
INTENT_CATEGORIES = [
    "Business", "Finance", "Healthcare", "Human Resources", "Legal", "Marketing", "Sales",
    "Technology",
]  # fmt: skip

FUNDING_ROUND_TYPES = [
    "Pre Seed Round", "Seed Round", "Series A", "Series B", "Series C", "Series D",
    "Private Equity Round", "Debt Financing",
]  # fmt: skip

CONTACT_SIGNAL_TYPES = ["promotion", "companyChange"]

HEADCOUNT_SIGNAL_TYPES = [
    f"headcount{direction}{months}m"
    for direction in ("Increase", "Decrease")
    for months in (1, 3, 6, 12)
]

# News signal categories and the events each one covers (V2's signal options description).
NEWS_EVENTS: dict[str, list[str]] = {
    "commercialActivityNews": ["Partnership", "New Customer", "New Vendor"],
    "corporateStrategyNews": [
        "M&A", "Facilities Expansion", "New Location", "Facility Closure", "Asset Sale",
        "Lawsuit Filed",
    ],
    "financialEventsNews": ["Funding Round", "Asset Investment", "Strategic Investment", "IPO"],
    "marketIntelligenceNews": ["Event Participation", "Recognition", "Competitor Activity"],
    "peopleNews": [
        "Executive Hire", "Executive Departure", "Executive Promotion", "Headcount Increase",
        "Headcount Decrease",
    ],
    "productActivityNews": ["Product Launch", "Product Development", "Product Integration"],
    "riskNews": ["Security Issue", "Lawsuit Faced"],
}  # fmt: skip

# The company signal types in the order the spec's types example lists them.
COMPANY_SIGNAL_TYPES = [
    "linkedinActivityIntent",
    "websiteTrafficDecrease",
    "websiteTrafficIncrease",
    "itSpendIncrease",
    "itSpendDecrease",
    "surgeInHiring",
    *HEADCOUNT_SIGNAL_TYPES,
    "surgeInHiringByDepartment",
    "surgeInHiringByLocation",
    *NEWS_EVENTS,
]

# Skills, derived from a person's department (and title words) rather than drawn at random, so
# the data set (and every other test's records) stays as it was.
SKILLS: dict[str, list[str]] = {
    "Business Development": ["Partnerships", "Negotiation", "Lead Generation"],
    "Consulting": ["Consulting", "Change Management", "Stakeholder Management"],
    "Customer Service": ["Customer Success", "Zendesk", "Onboarding"],
    "Engineering & Technical": ["Python", "Kubernetes", "Java", "AWS"],
    "Finance": ["Financial Modeling", "Excel", "Budgeting"],
    "General Management": ["Leadership", "Strategy", "P&L Management"],
    "Health Care & Medical": ["Patient Care", "Clinical Research"],
    "Human Resources": ["Recruiting", "Workday", "Employee Relations"],
    "Information Technology": ["Information Security", "Networking", "Microsoft Azure"],
    "Legal": ["Contract Law", "Compliance", "GDPR"],
    "Marketing": ["Marketing Automation", "SEO", "HubSpot", "Content Strategy"],
    "Operations": ["Supply Chain", "Lean", "Procurement"],
    "Other": ["Administration", "Microsoft Office"],
    "Product": ["Product Management", "Figma", "User Research"],
    "Research & Analytics": ["SQL", "Python", "Machine Learning", "Tableau"],
    "Sales": ["Salesforce", "Negotiation", "Cold Calling", "Account Management"],
}
TITLE_SKILLS = {"enterprise": "Enterprise Sales", "devops": "Terraform", "data": "SQL"}
