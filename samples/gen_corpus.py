#!/usr/bin/env python3
"""Generate samples/corpus.txt: the SYNTHETIC training text of the default model.

Nothing here is real data. Two kinds of lines, one document per line:
  * JSON records describing made-up people, shaped like the demo's answer
    ({"name": "...", "born": 1815, "field": "...", ...}): near-certain
    punctuation, fairly sure keys, broad values (names, years, fields);
  * plain English sentences from a small template grammar.
Made-up names are built from syllables, so the BPE vocabulary learns
sub-word pieces as real tokenizers do.

Deterministic: Python's own Mersenne Twister with a fixed seed; the output
is the same bytes on every machine.   python3 samples/gen_corpus.py > samples/corpus.txt
"""
import json
import random

rng = random.Random(20261129)

SYL = ["ka", "lo", "mi", "ne", "ra", "to", "shi", "ven", "dor", "al", "is", "um", "per",
       "tri", "qua", "zen", "bo", "ly", "ex", "on", "ar", "st", "ed", "ing", "el", "an",
       "be", "th", "ric", "mar", "ia", "son", "ter", "wick", "ford", "ley", "ham", "ton",
       "gu", "fi", "ho", "ju", "ko", "pa", "sa", "vi", "wo", "ya", "zu", "bra", "cle", "dru",
       "fla", "gro", "pli", "sko", "tre", "vor", "nor", "mel", "dan", "rik", "sol", "tam"]
FIRST = ["Ada", "Alan", "Grace", "Charles", "Mary", "John", "Emmy", "Marie", "Isaac", "Sofia",
         "Carl", "Rosalind", "Niels", "Lise", "Paul", "Hedy", "Katherine", "Edsger", "Barbara",
         "Claude", "Dorothy", "Tim", "Margaret", "Donald", "Frances", "Ken", "Radia", "Leslie"]
FIELDS = ["mathematics", "computing", "physics", "chemistry", "poetry", "astronomy", "biology",
          "engineering", "music", "philosophy", "medicine", "economics", "linguistics", "logic"]
KNOWN = ["the first program", "the analytical engine", "a theory of computation", "the compiler",
         "radioactivity", "the laws of motion", "information theory", "the structure of DNA",
         "a sorting algorithm", "the spanning tree protocol", "structured programming",
         "a new proof", "the periodic table", "a famous notebook", "early computers"]
COUNTRIES = ["England", "France", "Germany", "Italy", "Poland", "Austria", "Denmark", "Spain",
             "Norway", "Sweden", "Canada", "Japan", "India", "Brazil", "Kenya", "Chile"]
CITIES = ["London", "Paris", "Berlin", "Rome", "Warsaw", "Vienna", "Copenhagen", "Madrid",
          "Oslo", "Stockholm", "Toronto", "Tokyo", "Delhi", "Lima", "Nairobi", "Santiago"]
ROLES = ["writer", "scientist", "teacher", "inventor", "engineer", "countess", "professor",
         "programmer", "artist", "doctor"]
LANGS = ["English", "French", "German", "Italian", "Polish", "Spanish", "Latin", "Greek"]

ADJ = ["small", "old", "quiet", "bright", "young", "careful", "strange", "patient", "famous",
       "curious", "gentle", "busy", "clever", "tired", "happy", "long", "green", "heavy"]
NOUN = ["teacher", "machine", "river", "garden", "student", "engine", "letter", "city",
        "window", "book", "train", "house", "model", "question", "answer", "table", "number",
        "story", "friend", "mountain", "village", "program", "market", "child", "lamp"]
VERB = ["found", "wrote", "opened", "watched", "carried", "explained", "followed", "built",
        "painted", "measured", "counted", "visited", "remembered", "changed", "described"]
ADV = ["slowly", "quickly", "carefully", "again", "today", "at night", "in the morning",
       "without a word", "for a long time", "once more"]
NOUN += """apple bridge cloud desk forest glass harbor island jacket kitchen ladder meadow needle
ocean pencil quarry rocket saddle tunnel umbrella valley wagon yard zebra anchor basket candle
dragon feather guitar hammer insect jungle kettle lemon mirror notebook orchard parrot quilt
ribbon shadow thunder violin whistle blanket cabinet diamond elephant fountain giraffe helmet
iceberg journal kingdom lantern magnet nephew oyster pyramid rabbit sailor tiger uniform
vessel walnut castle chimney compass cottage crystal cupboard dolphin envelope festival
furnace gallery glacier hammock harvest horizon lighthouse marble monster museum necklace
orchestra paddle painter pebble pillow planet puzzle raincoat reptile scarf sculpture shovel
skeleton spider squirrel staircase statue stomach sunrise surgeon telescope theater tractor
trumpet turtle vehicle volcano waterfall windmill wizard workshop""".split()
VERB += """admired borrowed cleaned delivered discovered entered finished gathered handled
imagined joined kicked launched mended noticed ordered polished questioned repaired rescued
searched shaped signed solved sorted studied tasted traded trusted unlocked wandered washed
welcomed wrapped balanced copied folded guarded hunted lifted marked packed pulled pushed
raised reached rolled scattered shared sketched stacked stretched touched wired""".split()
ADJ += """ancient brave calm dark eager fancy fierce fragile frozen golden hollow honest hungry
lazy lively lonely loud mighty narrow noble plain polite proud rapid rough rusty secret
sharp shiny silent silver simple sleepy smooth soft steady sturdy sudden sweet tall thin
tiny wild wise wooden worried""".split()
PREP = ["near", "behind", "under", "beside", "across", "inside", "above", "past"]


def made_up_surname():
    return "".join(rng.choice(SYL) for _ in range(rng.randint(2, 4))).capitalize()


# A fixed pool of made-up surnames drawn with a Zipf-like skew (as names
# recur in real text), so BPE sees each one several times and learns name
# pieces; fully fresh names each time left too few pairs occurring twice to
# reach the default 4096-token vocabulary (the merges ran out at 3647).
SURNAMES = sorted({made_up_surname() for _ in range(2600)})


def surname():
    return SURNAMES[min(int(len(SURNAMES) * rng.random() ** 2.2), len(SURNAMES) - 1)]


def record():
    born = rng.randint(1700, 1990)
    r = {"name": rng.choice(FIRST) + " " + surname(), "born": born}
    if rng.random() < 0.5:
        r["died"] = born + rng.randint(25, 95)
    r["field"] = rng.choice(FIELDS)
    extra = [("known_for", lambda: rng.choice(KNOWN)), ("country", lambda: rng.choice(COUNTRIES)),
             ("city", lambda: rng.choice(CITIES)), ("role", lambda: rng.choice(ROLES)),
             ("languages", lambda: rng.sample(LANGS, rng.randint(1, 3)))]
    for k, f in extra:
        if rng.random() < 0.6:
            r[k] = f()
    return json.dumps(r, ensure_ascii=False)


def np():
    return rng.choice(["the", "a", "the", "one"]) + " " + (rng.choice(ADJ) + " " if rng.random() < 0.6 else "") + rng.choice(NOUN)


def sentence():
    form = rng.randint(0, 3)
    if form == 0:
        s = f"{np()} {rng.choice(VERB)} {np()} {rng.choice(ADV)}."
    elif form == 1:
        s = f"{np()} {rng.choice(VERB)} {np()} {rng.choice(PREP)} {np()}."
    elif form == 2:
        s = f"{rng.choice(FIRST)} {rng.choice(VERB)} {np()} and {np()} {rng.choice(VERB)} {np()}."
    else:
        s = f"{rng.choice(PREP).capitalize()} {np()}, {np()} {rng.choice(VERB)} {np()} {rng.choice(ADV)}."
    return s[0].upper() + s[1:]


def main():
    print("# SYNTHETIC training text for logitscope's built-in model (samples/gen_corpus.py).")
    print("# Made-up people and template sentences; nothing here is real data.")
    for _ in range(9000):
        print(record() if rng.random() < 0.5 else sentence())


if __name__ == "__main__":   # gen_dataset.py imports the name lists
    main()
