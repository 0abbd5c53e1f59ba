"""Word lists the demo generators draw names and texts from."""

from __future__ import annotations

# fmt: off
# (the lists stay packed: one word a line would make this file ten times as long)

COUNTRIES: tuple[str, ...] = (
    "Afghanistan", "Algeria", "American Samoa", "Angola", "Anguilla", "Argentina", "Armenia",
    "Australia", "Austria", "Azerbaijan", "Bahrain", "Bangladesh", "Belarus", "Bolivia", "Brazil",
    "Brunei", "Bulgaria", "Cambodia", "Cameroon", "Canada", "Chad", "Chile", "China", "Colombia",
    "Congo, The Democratic Republic of the", "Czech Republic", "Dominican Republic", "Ecuador",
    "Egypt", "Estonia", "Ethiopia", "Faroe Islands", "Finland", "France", "French Guiana",
    "French Polynesia", "Gambia", "Germany", "Greece", "Greenland", "Holy See (Vatican City State)",
    "Hong Kong", "Hungary", "India", "Indonesia", "Iran", "Iraq", "Israel", "Italy", "Japan",
    "Kazakstan", "Kenya", "Kuwait", "Latvia", "Liechtenstein", "Lithuania", "Madagascar", "Malawi",
    "Malaysia", "Mexico", "Moldova", "Morocco", "Mozambique", "Myanmar", "Nauru", "Nepal",
    "Netherlands", "New Zealand", "Nigeria", "North Korea", "Oman", "Pakistan", "Paraguay", "Peru",
    "Philippines", "Poland", "Puerto Rico", "Romania", "Runion", "Russian Federation",
    "Saint Vincent and the Grenadines", "Saudi Arabia", "Senegal", "Slovakia", "South Africa",
    "South Korea", "Spain", "Sri Lanka", "Sudan", "Sweden", "Switzerland", "Taiwan", "Tanzania",
    "Thailand", "Tonga", "Tunisia", "Turkey", "Turkmenistan", "Tuvalu", "Ukraine",
    "United Arab Emirates", "United Kingdom", "United States", "Venezuela", "Vietnam",
    "Virgin Islands, U.S.", "Yemen", "Yugoslavia", "Zambia",
)

LANGUAGES: tuple[str, ...] = ("English", "Italian", "Japanese", "Mandarin", "French", "German")

CATEGORIES: tuple[str, ...] = (
    "Action", "Animation", "Children", "Classics", "Comedy", "Documentary", "Drama", "Family",
    "Foreign", "Games", "Horror", "Music", "New", "Sci-Fi", "Sports", "Travel",
)

SPECIAL_FEATURES: tuple[str, ...] = (
    "Trailers", "Commentaries", "Deleted Scenes", "Behind the Scenes",
)

FIRST_NAMES: tuple[str, ...] = (
    "Mary", "Patricia", "Linda", "Barbara", "Elizabeth", "Jennifer", "Maria", "Susan", "Margaret",
    "Dorothy", "Lisa", "Nancy", "Karen", "Betty", "Helen", "Sandra", "Donna", "Carol", "Ruth",
    "Sharon", "Michelle", "Laura", "Sarah", "Kimberly", "Deborah", "Jessica", "Shirley", "Cynthia",
    "Angela", "Melissa", "Brenda", "Amy", "Anna", "Rebecca", "Virginia", "Kathleen", "Pamela",
    "Martha", "Debra", "Amanda", "James", "John", "Robert", "Michael", "William", "David",
    "Richard", "Charles", "Joseph", "Thomas", "Christopher", "Daniel", "Paul", "Mark", "Donald",
    "George", "Kenneth", "Steven", "Edward", "Brian", "Ronald", "Anthony", "Kevin", "Jason",
    "Matthew", "Gary", "Timothy", "Jose", "Larry", "Jeffrey", "Frank", "Scott", "Eric", "Stephen",
    "Andrew", "Raymond", "Gregory", "Joshua", "Jerry", "Dennis", "Penelope", "Nick", "Ed",
    "Jennifer", "Johnny", "Bette", "Grace", "Matthew", "Joe", "Christian", "Zero", "Karl", "Uma",
    "Vivien", "Cuba", "Fred", "Helen", "Dan", "Bob", "Lucille", "Kirsten", "Elvis", "Sandra",
)

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Jones", "Brown", "Davis", "Miller", "Wilson", "Moore",
    "Taylor", "Anderson", "Thomas", "Jackson", "White", "Harris", "Martin", "Thompson", "Garcia",
    "Martinez", "Robinson", "Clark", "Rodriguez", "Lewis", "Lee", "Walker", "Hall", "Allen",
    "Young", "Hernandez", "King", "Wright", "Lopez", "Hill", "Scott", "Green", "Adams", "Baker",
    "Gonzalez", "Nelson", "Carter", "Mitchell", "Perez", "Roberts", "Turner", "Phillips",
    "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Sanchez", "Morris", "Rogers",
    "Reed", "Cook", "Morgan", "Bell", "Murphy", "Bailey", "Rivera", "Cooper", "Richardson", "Cox",
    "Howard", "Ward", "Torres", "Peterson", "Gray", "Ramirez", "James", "Watson", "Brooks", "Kelly",
    "Sanders", "Price", "Bennett", "Wood", "Barnes", "Ross", "Henderson", "Coleman", "Jenkins",
    "Perry", "Powell", "Long", "Patterson", "Hughes", "Flores", "Washington", "Butler", "Simmons",
    "Guiness", "Wahlberg", "Chase", "Davis", "Lollobrigida", "Nicholson", "Mostel", "Johansson",
    "Swank", "Gable", "Cage", "Berry", "Wood", "Bergen", "Olivier", "Costner", "Voight", "Torn",
    "Fawcett", "Tracy", "Paltrow", "Hackman", "Hoffman", "Witherspoon", "Dench", "Streep",
)

TITLE_WORDS_FIRST: tuple[str, ...] = (
    "Academy", "Ace", "Adaptation", "Affair", "African", "Agent", "Airplane", "Airport", "Alabama",
    "Aladdin", "Alamo", "Alaska", "Alice", "Alien", "Alley", "Alone", "Amadeus", "Amelie",
    "American", "Analyze", "Anaconda", "Angels", "Annie", "Anthem", "Antitrust", "Anything",
    "Apache", "Apocalypse", "Apollo", "Arabia", "Arachnophobia", "Argonauts", "Arizona",
    "Armageddon",
    "Army", "Attacks", "Attraction", "Baby", "Backlash", "Badman", "Bang", "Banger", "Barbarella",
    "Bear", "Beauty", "Bed", "Bedazzled", "Beethoven", "Behavior", "Bells", "Betrayed", "Beverly",
    "Bikini", "Bilko", "Birch", "Bird", "Birds", "Blackout", "Blade", "Blanket", "Blindness",
    "Blood", "Blues", "Boiled", "Bonnie", "Boogie", "Boulevard", "Bound", "Bowfinger", "Brannigan",
    "Braveheart", "Breakfast", "Breaking", "Bride", "Bright", "Brooklyn", "Brotherhood", "Bubble",
    "Bucket", "Bugsy", "Bull", "Bulworth", "Bunch", "Butch", "Cabin", "Caddyshack", "California",
    "Camelot", "Campus", "Candidate", "Canyon", "Caper", "Caribbean", "Carol", "Carrie",
    "Casablanca", "Casper", "Cat", "Celebrity", "Center", "Chainsaw", "Chamber", "Champion",
    "Chariots", "Chasing",
    "Cheaper", "Chicago", "Chicken", "Chill", "Chinatown", "Chisum", "Christmas", "Cider", "Circus",
    "Citizen", "Clash", "Clerks", "Clockwork", "Closer", "Clueless", "Clyde", "Coast", "Coneheads",
)

TITLE_WORDS_SECOND: tuple[str, ...] = (
    "Dinosaur", "Goldfinger", "Holes", "Prejudice", "Egg", "Truman", "Lust", "Outbreak", "Ghost",
    "Madison", "Calendar", "Undefeated", "Sunrise", "Fever", "Kill", "Trap", "Secret", "Stranger",
    "Circus", "Sweethearts", "Speed", "Grail", "Graduate", "Ridgemont", "Heavenly", "Story",
    "Requiem", "Taxi", "Apocalypse", "Dragon", "Knock", "Hunchback", "Roof", "Oz", "Vanishing",
    "Wizard", "Club", "Brothers", "Fiction", "Reunion", "Worst", "Bride", "Lock", "Notorious",
    "Express", "Command", "Kwai", "Bunch", "Runaway", "Rush", "Coast", "Streetcar", "Confused",
    "Lambs", "Paradise", "Cowboy", "Flight", "Dogma", "Patton", "Fantasy", "Exorcist", "Kiss",
    "Bonnie", "Gilmore", "Spirited", "Comedy", "Hunting", "Harvey", "Flintstones", "Frost", "Dude",
    "Dying", "Breakfast", "Alley", "Mermaid", "Boondock", "Snatch", "Shining", "Crazy", "Caper",
    "Diary", "Trading", "Youth", "Wife", "Affair", "Witness", "Gentlemen", "Arizona", "Hurricane",
    "Divorce", "Seven", "Crow", "Contact", "Eyes", "Hook", "Shepherd", "Lion", "Boulevard", "River",
    "Virginian", "Honey", "Duck", "Empire", "Fish", "Impossible", "Slipper", "Oscar", "Saturday",
    "Party", "Words", "Jeepers", "Clones", "Jaws", "Legend", "Town", "Lies", "Mile", "Wars",
)

DESCRIPTION_ADJECTIVES: tuple[str, ...] = (
    "Epic", "Astounding", "Fateful", "Thoughtful", "Action-Packed", "Insightful", "Boring",
    "Beautiful", "Emotional", "Lacklusture", "Intrepid", "Touching", "Stunning", "Unbelieveable",
    "Fanciful", "Amazing", "Awe-Inspiring", "Brilliant", "Taut", "Fast-Paced",
)

DESCRIPTION_GENRES: tuple[str, ...] = (
    "Drama", "Epistle", "Documentary", "Story", "Yarn", "Tale", "Reflection", "Saga", "Panorama",
    "Character Study", "Display", "Drama", "Mystery", "Shark Tank",
)

DESCRIPTION_NOUNS: tuple[str, ...] = (
    "Feminist", "Mad Scientist", "Teacher", "Dentist", "Database Administrator", "Womanizer",
    "Lumberjack", "Astronaut", "Boat", "Car", "Cat", "Crocodile", "Dog", "Explorer",
    "Forensic Psychologist", "Frisbee", "Girl", "Hunter", "Husband", "Man",
    "Monkey", "Moose", "Pastry Chef", "Pioneer", "Robot", "Student", "Sumo Wrestler",
    "Technical Writer", "Waitress", "Woman", "Composer", "Butler", "Squirrel",
    "Secret Agent", "Mad Cow", "Hunter", "Cow", "Pioneer", "Boy", "Monastery",
)

DESCRIPTION_VERBS: tuple[str, ...] = (
    "Battle", "Chase", "Defeat", "Overcome", "Sink", "Succumb", "Find", "Outgun", "Outrace",
    "Pursue", "Reach", "Redeem", "Build", "Discover", "Face", "Fight", "Kill", "Meet", "Conquer",
    "Confront", "Escape", "Vanquish",
)

DESCRIPTION_PLACES: tuple[str, ...] = (
    "The Canadian Rockies", "The Gulf of Mexico", "A Baloon Factory", "A Shark Tank",
    "A MySQL Convention", "Ancient China", "Ancient India", "Ancient Japan", "A Jet Boat",
    "A U-Boat", "Berlin", "Nigeria", "Soviet Georgia", "The Outback", "The Sahara Desert",
    "The First Manned Space Station", "An Abandoned Fun House", "An Abandoned Mine Shaft",
    "A Manhattan Penthouse", "A Monastery", "Australia", "California", "A Yacht",
)

STREET_NAMES: tuple[str, ...] = (
    "MySakila", "MySQL", "Workhaven", "Lillydale", "Hanoi", "Loja", "Santa Rosa", "Zanzibar",
    "Kingston", "Aurora", "Stara Zagora", "Cape Coral", "Tambaram", "Osmaniye", "Araatuba",
    "Nagareyama", "Bahia", "Jaroslavl", "Laredo", "Baku", "Ikerre", "Ashdod", "Tandil", "Oulu",
    "Kolpino", "Pune", "Kalisz", "Sivas", "Lublin", "Fukuyama", "Sumy", "Bergamo", "Abha",
    "Sasebo", "Monclova", "Lima", "Manchester", "Vancouver", "Dallas", "Hamilton", "Esfahan",
)

STREET_SUFFIXES: tuple[str, ...] = (
    "Drive", "Street", "Avenue", "Parkway", "Boulevard", "Lane", "Way", "Manor", "Place", "Loop",
    "Road", "Avenue", "Street", "Drive",
)

DISTRICTS: tuple[str, ...] = (
    "Alberta", "QLD", "Nagasaki", "California", "Attika", "Mandalay", "Nantou", "Texas",
    "Central Serbia", "Hamilton", "Gansu", "Shandong", "Buenos Aires", "Punjab", "Ontario",
    "West Bengali", "Sao Paulo", "England", "Kanagawa", "Hubei", "Gujarat", "Eastern Cape",
    "Okayama", "Maharashtra", "Tamil Nadu", "Rio de Janeiro", "Zhejiang", "Saitama", "Jalisco",
)

CITY_SYLLABLES: tuple[str, ...] = (
    "a", "ba", "bo", "ca", "da", "de", "el", "fa", "ga", "ha", "ka", "ki", "la", "le", "lo", "ma",
    "mi", "na", "no", "o", "pa", "ra", "ri", "sa", "se", "ta", "to", "u", "va", "za", "shi", "ton",
    "burg", "ville", "ford", "grad", "pur", "abad", "polis", "nes",
)

EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "hotmail.com",
    "proton.me", "example.org", "acme-analytics.com", "univ.edu", "datacorp.io",
)

COURSE_LANGUAGES: tuple[tuple[str, float], ...] = (
    ("Python", 0.33),
    ("SQL", 0.20),
    ("JavaScript", 0.16),
    ("R", 0.12),
    ("Scala", 0.09),
)

COURSE_TITLE_PREFIXES: tuple[str, ...] = (
    "Introduction to", "Practical", "Advanced", "Intermediate", "Hands-on", "Mastering",
    "Fundamentals of", "Applied", "Modern", "Effective", "Getting Started with", "Deep Dive into",
)

COURSE_TOPICS: dict[str, tuple[str, ...]] = {
    "Python": (
        "Data Analysis", "Web Scraping", "pandas", "Machine Learning", "Testing", "Async I/O",
        "Packaging", "Data Visualization", "Type Hints", "APIs", "Automation", "NumPy",
    ),
    "SQL": (
        "Window Functions", "Joins", "Query Tuning", "Data Modeling", "Analytics", "PostgreSQL",
        "Reporting", "CTEs", "Indexes", "Transactions", "Data Warehousing",
    ),
    "JavaScript": (
        "React", "Node.js", "TypeScript", "D3 Charts", "Web APIs", "Testing", "Async Patterns",
        "Front-end Performance", "Vue", "Express",
    ),
    "R": (
        "Statistics", "ggplot2", "the Tidyverse", "Time Series", "Shiny", "Regression",
        "Bayesian Inference", "Bioinformatics",
    ),
    "Scala": (
        "Spark", "Functional Programming", "Akka", "Type Classes", "Streaming", "Cats",
    ),
    "": (
        "Data Ethics", "Statistics", "Git", "Data Engineering", "Cloud Computing", "Linux Shell",
        "Agile Analytics", "Career Skills", "Dashboards", "Spreadsheets",
    ),
}

COURSE_AUDIENCES: tuple[str, ...] = (
    "", "", "", " for Beginners", " for Analysts", " for Data Engineers", " for Scientists",
    " in Practice", " Bootcamp", " Workshop",
)
# fmt: on
