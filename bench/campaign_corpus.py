"""A seeded, generated hearing: ten campaigns with their copies and variants, and unique responses.

Every text is about the same local plan (a cycle path and parking on Amagerbrogade), built from
the same stock of phrases, so unique responses share words and phrases with the campaign letters
and with each other: the negatives are hard. A campaign copy may have other whitespace,
punctuation and case, one to three typos, and a personal addition of 1 to 40 words at its start
or end. The same seed gives the same responses on every machine.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

SUBJECTS = [
    "Cykelstien på Amagerbrogade",
    "Den nye lokalplan",
    "Forslaget om færre parkeringspladser",
    "Planen for byrummet ved metroen",
    "Ombygningen af krydset ved Lergravsvej",
    "Træerne langs Amagerbrogade",
    "Busbanen mod Christianshavn",
    "Den brede fortovszone",
    "Projektet for regnvandshåndtering",
    "Nedlæggelsen af svingbanen",
    "Forslaget om en ny plads ved kirken",
    "Trafiksaneringen i sidegaderne",
    "Planen for varelevering",
    "Hastighedsgrænsen på 40 km/t",
    "Beplantningen i midterrabatten",
    "Belysningen på strækningen",
]
VERBS = [
    "vil gøre det farligere at",
    "gør det lettere at",
    "betyder at det bliver sværere at",
    "giver bedre mulighed for at",
    "vil tvinge mange til at",
    "kan gøre det mere trygt at",
    "skaber problemer for dem der skal",
    "er en god idé for alle der vil",
    "tager ikke hensyn til dem der må",
    "forbedrer forholdene for dem der vil",
    "vil koste de handlende, fordi færre vil",
    "er nødvendig, hvis børn skal kunne",
]
ACTIONS = [
    "cykle til skole om morgenen",
    "parkere tæt på butikkerne",
    "krydse vejen med barnevogn",
    "handle lokalt i weekenden",
    "komme frem med bus i myldretiden",
    "gå en tur langs de gamle huse",
    "levere varer til butikkerne",
    "køre til arbejde i bil",
    "sidde ude på caféerne om sommeren",
    "komme sikkert hjem om aftenen",
    "bruge metroen ved Amagerbro",
    "finde en ledig plads til cyklen",
    "komme frem med kørestol",
    "holde ind for at aflevere børn",
]
REASONS = [
    "fordi trafikken allerede er tæt",
    "da der i forvejen er for lidt plads",
    "når man ser på ulykkestallene",
    "selv om kommunen mener noget andet",
    "især i vinterhalvåret",
    "fordi mange ældre bor i området",
    "da støjen allerede er et problem",
    "når vejarbejdet er færdigt",
    "fordi butikkerne lever af kunder udefra",
    "som det ses på Nørrebrogade",
    "hvis ikke planen ændres",
    "når skolerne har fri",
]
OPINIONS = [
    "Jeg støtter forslaget.",
    "Jeg er imod planen i sin nuværende form.",
    "Kommunen bør tænke sig om en gang til.",
    "Det er på tide, at der sker noget.",
    "Lyt til dem, der bor her.",
    "Planen bør ændres, før den vedtages.",
    "Det er en god start, men ikke nok.",
    "Jeg håber, politikerne lytter.",
    "Tak for en grundig høring.",
    "Det skal undersøges bedre.",
]
# Personal additions: who the respondent is and why they care, drawn from their own life.
PERSONAL = [
    "Jeg bor selv på Amagerbrogade og cykler hver dag.",
    "Vi er en familie med tre børn, der går i skole på Lergravsvej.",
    "Jeg har haft butik i området i tyve år.",
    "Min mor bruger rollator og har svært ved at komme over vejen.",
    "Jeg kører bil på arbejde, fordi der ikke går en bus, hvor jeg skal hen.",
    "Som pensionist handler jeg hver dag i de små butikker.",
    "Jeg var selv tæt på at blive kørt ned sidste vinter.",
    "Vores gård ligger lige ud til krydset, og støjen er slem om natten.",
    "Jeg er formand for grundejerforeningen og skriver også på vegne af naboerne.",
    "Jeg flyttede hertil for fem år siden, netop på grund af de grønne områder.",
    "Mine børn cykler alene til fritidshjem, og jeg er bekymret.",
    "Jeg arbejder som bud og leverer pakker på strækningen hver dag.",
    "Hilsen en bekymret nabo.",
    "Jeg har boet på Amager hele mit liv.",
    "Det er vigtigt for mig som forælder.",
]


@dataclass(frozen=True)
class GeneratedResponse:
    response_id: str
    text: str
    campaign: int | None  # which campaign it copies; None for a response of its own


def _sentence(rng: random.Random) -> str:
    sentence = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(ACTIONS)}"
    if rng.random() < 0.6:
        sentence += f", {rng.choice(REASONS)}"
    return sentence + "."


def _letter(rng: random.Random, sentences: int) -> str:
    parts = [_sentence(rng) for _ in range(sentences)]
    for _ in range(rng.randint(1, 2)):
        parts.insert(rng.randint(0, len(parts)), rng.choice(OPINIONS))
    return " ".join(parts)


def _personal_addition(rng: random.Random, words: int) -> str:
    picked: list[str] = []
    while len(" ".join(picked).split()) < words:
        picked.append(rng.choice(PERSONAL))
    return " ".join(" ".join(picked).split()[:words])


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # a letter dropped
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeiournst") + word[i + 1 :]  # a letter replaced


def _variant(rng: random.Random, letter: str) -> str:
    words = letter.split()
    for _ in range(rng.choice((0, 0, 1, 2, 3))):
        i = rng.randrange(len(words))
        words[i] = _typo(rng, words[i])
    if rng.random() < 0.3:
        words = [word.lower() if rng.random() < 0.5 else word for word in words]
    if rng.random() < 0.1:
        words = [word.upper() for word in words]
    if rng.random() < 0.3:
        words = [word.rstrip(",.") if rng.random() < 0.5 else word for word in words]
    text = " ".join(words)
    if rng.random() < 0.2:
        text = text.replace(". ", ".\n\n").replace(", ", " ,  ")
    if rng.random() < 0.2:
        text = text.rstrip(".") + "!!!"
    if rng.random() < 0.5:
        addition = _personal_addition(rng, rng.randint(1, 40))
        text = f"{addition}\n{text}" if rng.random() < 0.5 else f"{text}\n\n{addition}"
    return text


def generate(
    count: int, *, seed: int = 2026, campaigns: int = 10, unique_share: float = 0.35
) -> list[GeneratedResponse]:
    """``count`` responses in arrival order: campaign copies of unequal popularity, and unique ones."""
    rng = random.Random(seed)
    letters = [_letter(rng, rng.randint(6, 10)) for _ in range(campaigns)]
    popularity = [rng.uniform(1, 10) for _ in range(campaigns)]
    responses = []
    for number in range(count):
        response_id = f"r-{number:06d}"
        if rng.random() < unique_share:
            text = _letter(rng, rng.randint(2, 9))
            if rng.random() < 0.4:
                text = f"{_personal_addition(rng, rng.randint(5, 30))} {text}"
            responses.append(GeneratedResponse(response_id, text, None))
        else:
            campaign = rng.choices(range(campaigns), weights=popularity)[0]
            responses.append(GeneratedResponse(response_id, _variant(rng, letters[campaign]), campaign))
    return responses


@dataclass(frozen=True)
class PairScore:
    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def _pairs(sizes: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def pairwise_score(responses: list[GeneratedResponse], assigned: dict[str, str | None]) -> PairScore:
    """Precision and recall over pairs of responses: a pair is predicted when both have the same
    group, and true when both copy the same campaign. A response without a group pairs with nobody."""
    truth = Counter(r.campaign if r.campaign is not None else f"own:{r.response_id}" for r in responses)
    predicted = Counter(group if (group := assigned.get(r.response_id)) else f"own:{r.response_id}" for r in responses)
    both = Counter(
        (
            assigned.get(r.response_id) or f"own:{r.response_id}",
            r.campaign if r.campaign is not None else f"own:{r.response_id}",
        )
        for r in responses
    )
    true_pairs, predicted_pairs, correct = _pairs(truth), _pairs(predicted), _pairs(both)
    return PairScore(
        precision=correct / predicted_pairs if predicted_pairs else 1.0,
        recall=correct / true_pairs if true_pairs else 1.0,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct,
    )


__all__ = ["GeneratedResponse", "PairScore", "generate", "pairwise_score"]
