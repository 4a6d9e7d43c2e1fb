"""Names for generated people: a deliberate mix of accents, apostrophes and non-Latin letters,
so every consumer's encoding path is exercised by ordinary data."""

GIVEN_NAMES: tuple[str, ...] = (
    "Zoë", "José", "Amara", "Liam", "Siobhán", "Mateo", "Chloé", "Noah", "Aaliyah", "Søren",
    "Olivia", "Łukasz", "Mía", "Ethan", "Ngozi", "Björn", "Isabella", "Kenji", "Fatima", "Lucas",
    "Anaïs", "Diego", "Hana", "Oliver", "Renée", "Ji-woo", "Emma", "Thảo", "Jack", "Élodie",
    "Ava", "Omar", "Saoirse", "Yusuf", "Ingrid", "Rafael", "Mei", "Aarav", "Camila", "Dmitri",
    "Grace", "Tomás",
)

FAMILY_NAMES: tuple[str, ...] = (
    "Nguyễn", "O'Brien", "García", "Smith", "Müller", "Okafor", "Johnson", "Kowalski", "Patel",
    "Ødegaard", "Đặng", "Williams", "Hernández", "Brown", "Søndergaard", "Kim", "Jones", "Dubois",
    "Martínez", "Taylor", "Yılmaz", "Anderson", "Lê", "D'Angelo", "Thomas", "Ivanović", "Moore",
    "Björk", "Jackson", "Núñez", "White", "MacLeod", "Chen", "Harris", "Šimić", "Lopez", "Clark",
    "Van der Berg",
)

SCHOOL_NAMES: tuple[str, ...] = (
    "Lincoln", "Roosevelt", "Jefferson", "Cesar Chavez", "Sacagawea", "Washington", "Riverside",
    "Hillcrest", "Maple Grove", "Lakeview", "Oakwood", "Pine Ridge", "Cedar Park", "Sunset",
)

SUBJECTS: tuple[tuple[str, str], ...] = (
    ("Algebra I", "Math"), ("English 9", "English"), ("Biology", "Science"),
    ("World History", "Social Studies"), ("Español II", "World Languages"), ("Art Studio", "Arts"),
    ("Geometry", "Math"), ("Chemistry", "Science"), ("Physical Education", "PE"),
    ("Computer Science", "Technology"), ("Français I", "World Languages"), ("Music Ensemble", "Arts"),
)
