"""Category lexicons with context rules, over normalised text.

Each rule is a regular expression for one category and a strength:

- ``crisis``: on its own enough to raise a crisis ("kill myself", "pills lined up");
- ``weak``: a warning sign that is only a crisis together with another one or
  with hopelessness or a relapse ("thank you all for everything", "giving away
  my stuff"); alone it is a concern;
- ``concern``: relapse, cravings, hopelessness;
- ``danger``: overdose danger (fentanyl, lost tolerance, no naloxone, using
  alone). Nothing on its own, because people talk about fentanyl and naloxone
  training all the time, but a crisis next to any relapse, use or craving.

A match can be vetoed by its context. Which checks run is written beside each
rule, because a check that protects one phrase breaks another ("everyone would
be better off without me" has a third person in it and is still about the
writer):

- ``n`` negation just before the match ("I'm not suicidal", "I would never hurt myself");
- ``p`` a recovery story told in the past ("two years ago I tried to kill myself")
  with nothing in the same clause saying it is back (again, now, tonight...);
- ``t`` someone else is the subject (a friend, a character, "you");
- ``q`` resources, teaching and quotation ("if you're thinking about suicide call 988",
  overdose-prevention training, a film, text inside quotes);
- ``i`` an idiom that follows ("want to die of embarrassment");
- ``a`` an accident ("cut myself shaving");
- ``g`` an everyday goodbye ("goodbye everyone, see you Tuesday");
- ``s`` a craving with a safe plan ("craving hard, going to a meeting").

Vetoes are deliberately narrow and clause-local: a veto that silences a real
crisis is far worse than an extra resource card.
"""

import re
from dataclasses import dataclass

from .prefilter import Prefilter

CRISIS_CATEGORIES = (
    "ideation",
    "passive_ideation",
    "plan",
    "preparation",
    "goodbye",
    "self_harm",
    "overdose_risk",
    "hopeless_intent",
)
CONCERN_CATEGORIES = ("relapse", "craving", "hopelessness")

_GAP = r"(?:\s+\S+){0,3}\s+"


@dataclass(frozen=True)
class Rule:
    category: str
    strength: str
    pattern: re.Pattern
    checks: str
    # The pattern's leading \b was taken off and is checked in find_matches:
    # Python's regex engine only skips ahead to a literal prefix when the
    # pattern starts with one, which makes the whole rule set about ten times
    # faster on long messages. (Every top-level branch of such a pattern
    # starts with \b, so the check means the same thing for all of them.)
    word_start: bool = False


def _rule(category: str, strength: str, checks: str, pattern: str) -> Rule:
    pattern = pattern.replace(" ~ ", _GAP)
    word_start = pattern.startswith(r"\b")
    return Rule(category, strength, re.compile(pattern[2:] if word_start else pattern), checks, word_start)


def _rules(category: str, strength: str, checks: str, *patterns: str) -> list[Rule]:
    return [_rule(category, strength, checks, p) for p in patterns]


_I = r"(?:i|i'm|i am|i've|i have|i'd|i'll|i will|i just|i really|i kinda|i kind of|i honestly)"
_WANT = r"(?:want|wanted|wanting|need|wish|going|plan|planning|ready|decided|deserve|trying|try|about)"
_PILLS = r"(?:pills|meds|tablets|medication|medications|sleeping pills|xanax|bars|oxys?|percs?|tylenol|insulin|benzos)"
_FAMILY = (
    r"(?:mom|mum|mother|dad|father|kids|son|daughter|family|wife|husband|partner|sister|brother|"
    r"girlfriend|boyfriend|parents|sponsor|baby|grandma|grandpa)"
)
_USE = r"(?:use|using|drink|drinking|get high|getting high|pick up|shoot up|shooting up|smoke|smoking|score|cop)"

RULES: list[Rule] = [
    # --- explicit ideation -------------------------------------------------
    *_rules(
        "ideation",
        "crisis",
        "npqi",
        r"\bkill(?:ing|ed)? myself\b",
        r"\bkms\b",
        r"\bend(?:ing)? (?:it all|my life|my own life|my existence|everything for good)\b",
        r"\b(?:want|wanted|wanting|going|plan|planning|ready|decided|time|thinking about|thinking of|think about|"
        r"thought about|keep thinking about|considering|about) (?:to |on )?(?:just )?(?:end|ending) "
        r"(?:it|things|everything)\b(?! with| off| early| here| at| on)",
        r"\b(?:take|taking|took) my (?:own )?life\b",
        r"\bunaliv(?:e|ing)\b",
        r"\bsewer slid(?:e|ing)\b",
        r"\bself delet(?:e|ing|ion)\b|\bdelete myself\b",
        r"\bctb\b",
        r"\b(?:hang|hanging|shoot|shooting|neck|necking|drown|drowning|poison|poisoning) myself\b",
        r"\bcommit die\b",
        r"\bleave this (?:world|earth|life)\b",
        r"\b(?:quiero|queria|voy a|pienso en|pensando en|ganas de) (?:morir|morirme|matarme|suicidarme)\b",
        r"\bme quiero (?:morir|matar|suicidar)\b",
        r"\b(?:matarme|suicidarme|quitarme la vida|acabar con mi vida|terminar con mi vida|me voy a matar)\b",
        r"\bacabar con todo\b",
        r"\bhacerlo esta noche\b",
    ),
    *_rules(
        "ideation",
        "crisis",
        "nptqi",
        r"\b(?:want|wanna|wanted|wanting|going|ready|plan|planning|deserve|need|just want|really want) to die\b",
        r"\bsuicidal\b",
        r"\b(?:commit|committing|attempt|attempting|thinking about|thinking of|think about|considering|contemplating|"
        r"planning|plan) suicide\b",
        r"\bsuicide (?:is|seems|feels like) (?:the only|my only|my best|the best|the answer|an option|the way)\b",
        r"\b(?:pensamientos|ideas|ideacion) suicidas?\b|\b(?:estoy|me siento|sentirme) suicida\b",
        r"\bpensando en (?:el )?suicidio\b",
        r"\b(?:all i think about|on my mind|can't stop thinking about|keep thinking about|obsessed with) suicide\b",
        r"\bsuicide (?:is all|has been on my mind|is on my mind|keeps|is calling|sounds)\b",
        r"\b(?:other than|except|but) suicide\b",
        r"\bthoughts of (?:suicide|killing myself|ending (?:it|my life)|dying|death)\b",
        r"\b(?:just|i|i've|i have) attempted\b|\battempted (?:again|tonight|last night|today|suicide)\b",
        r"\bwant to jump\b(?= *(?:$|[.,!?]|off|from|in front))",
        r"\bjust end it\b(?! with)",
    ),
    *_rules(
        "ideation",
        "weak",
        "nptq",
        r"\bsuicide\b(?! squad| scene| prevention| awareness| hotline| lifeline| rates?| statistics| watch)",
        r"\bsuicidio\b",
    ),
    # --- passive ideation ----------------------------------------------------
    *_rules(
        "passive_ideation",
        "crisis",
        "pq",
        r"\b(?:don't|do not|no longer|never) (?:really )?(?:want|wanna|wish) to (?:be here|be alive|live|exist|wake up|"
        r"be around|keep living|go on living|keep existing|be on this earth|do this life|live this life)\b",
        r"\bdon't (?:think i )?want to (?:be here|live) anymore\b",
        r"\b(?:not sure|don't know if|unsure if|no longer sure) i (?:even )?(?:want to|wanna) (?:live|be here|be alive|"
        r"keep living|exist)\b",
        r"\bwouldn't (?:mind|care) ~ (?:wake|waking|woke|dead|dying|die|died|gone|exist|existing|hit by|run over)\b",
        r"\b(?:wouldn't mind|wouldn't care|hope|hoping|wish|pray|praying|relieved|fine) (?:\S+ ){0,5}(?:hit by a|"
        r"hit me|hits me|get in an accident|got in an accident|crash and die)\b",
        r"\b(?:fine|okay|ok|happy|relieved|glad) if i (?:never woke up|didn't wake up|don't wake up|died|never wake up|"
        r"wasn't here|was gone)\b",
        r"\b(?:nice|better|easier|great|peaceful) to (?:just )?(?:not wake up|never wake up|not exist|not be here|"
        r"die)\b",
        r"\b(?:fall asleep|sleep|go to sleep) and (?:not|never) wake up\b",
        r"\b(?:wish|wishing|hope|hoping|pray|praying) (?:that )?i (?:don't|didn't|wouldn't|would not|never|"
        r"won't) wake up\b",
        r"\b(?:wish|wishing|hope|hoping|pray|praying) (?:that )?i (?:would|could|'d)? ?(?:just )?die\b",
        r"\brather (?:not wake up|be dead|die|not exist|not be here|not be alive)\b(?! than (?:go|do|sit|work|eat|"
        r"listen|"
        r"attend|watch|wear|talk|see|be seen|deal with (?:my|this|that) (?:boss|traffic|meeting)))",
        r"\b(?:better off|happier|easier|relieved|be better|be fine|be okay)(?: for (?:everyone|everybody|them|"
        r"all of you))?"
        r" (?:without me|if i (?:was|were|wasn't|weren't|was not|were not|died|disappeared|was gone|were gone|"
        r"never existed|didn't exist|wasn't here|wasn't around|was dead|were dead))\b",
        r"\bdoing (?:everyone|everybody|them|the world|my family) a favou?r\b",
        r"\b(?:life|living|my life) (?:isn't|is not|ain't|doesn't feel|does not feel) worth (?:living|it)\b",
        r"\bdon't see myself (?:being here|alive|making it|living)\b",
        r"\b(?:don't see|can't see|no) (?:the |a |any )?point (?:of|in) (?:living|life|being alive|going on|"
        r"existing)\b",
        r"\bnadie me (?:extranaria|va a extranar|echaria de menos)\b",
        r"\b(?:me da igual|no me importa) si (?:no despierto|me muero|muero)\b",
        r"\bbetter off dead\b",
        r"\b(?:i'm|i am|i feel like|feel like|i've become|i'm just|i'm only|being) (?:such |a |just |nothing but |"
        r"only |so |a huge |a massive )*burden\b",
        r"\b(?:tired|sick|exhausted) (?:of|from) (?:existing|living|being alive|being here|waking up|breathing|life|"
        r"this life)\b",
        r"\bno (?:reason|point) (?:to|in) (?:live|living|go on|going on|being alive|being here|staying alive|"
        r"stay alive|"
        r""
        r"wake up|waking up|keep living|keep going|be alive|stay)\b",
        r"\bwhat's the point (?:of|in) (?:living|life|being alive|going on|being here|existing|waking up|staying|"
        r"sticking around)\b",
        r"\b(?:disappear|vanish) (?:forever|for good|permanently|and never come back)\b",
        r"\b(?:no one|nobody) (?:would|will) (?:even )?(?:miss me|notice (?:if|when) i(?:'m| was| were)? (?:gone|dead|"
        r"died|"
        r"disappeared|not here|wasn't here)|care if i (?:died|was gone|disappeared|was dead|wasn't here|were gone))\b",
        r"\bwish (?:i was|i were|to be|i'd been) (?:dead|gone|never born)\b",
        r"\bwish i (?:could )?(?:just )?(?:die|disappear|stop existing|not exist|fall asleep forever|wasn't alive|"
        r"didn't exist|was never born|not be here|not be alive)\b",
        r"\bstop existing\b",
        r"\bgo to sleep (?:forever|and never wake up|and not wake up)\b|\bsleep forever\b|\bnever wake up\b",
        r"\bnot (?:be|being) (?:here|alive|around) (?:anymore|tomorrow|much longer)\b",
        r"\b(?:after|once|when) i'm (?:gone|dead|not here)\b(?! for| to| on| at work| at the)",
        r"\bdon't care if i (?:die|live|wake up|don't wake up|od|overdose)\b",
        r"\b(?:ya )?no quiero (?:seguir )?(?:vivir|viviendo|estar aqui|existir|despertar|despertarme|seguir)\b",
        r"\bojala (?:me muriera|estuviera muerto|estuviera muerta|no despertar|no despierte|no despertara|"
        r"no existiera|desaparecer)\b",
        r"\b(?:estarian|estaran|estarian todos|estarian mucho) mejor sin mi\b|\bmejor sin mi\b",
        r"\bsoy una carga\b",
        r"\bcansad[oa] de (?:vivir|existir|estar vivo|estar viva)\b",
        r"\bdesaparecer para siempre\b",
        r"\bno (?:vale|tiene) (?:la pena|sentido) (?:vivir|seguir viviendo|seguir)\b",
        r"\bno tengo (?:razones|razon|motivos) para (?:vivir|seguir)\b",
        r"\bprefiero (?:estar muert[oa]|morir|no despertar)\b",
        r"\bganas de (?:desaparecer|no despertar|dejar de existir)\b",
    ),
    # --- plans, means and timelines --------------------------------------------
    *_rules(
        "plan",
        "crisis",
        "npq",
        r"\bend(?:ing)? (?:it|it all|things|everything|my life) (?:tonight|today|tomorrow|this weekend|this week|soon|"
        r"on \w+day|for good|right now|after)\b",
        r"\b"
        + _PILLS
        + r" ~ (?:lined up|counted out|laid out|all laid|in front of me|ready to take|ready to go|next to me|"
        r"right here|in my hand)\b",
        r"\bcounted (?:out )?(?:all )?(?:my|the) " + _PILLS + r"\b",
        r"\b(?:took|swallowed|downed|ate|taken) (?:like |about |around |almost )?\d{2,} (?:of )?(?:my )?"
        + _PILLS
        + r"\b",
        r"\b(?:i'm|i am|standing|sitting|driving|walking|heading|on my way|parked) (?:on|at|to|up on|by|under) (?:the|"
        r"a) "
        r"(?:bridge|train tracks|tracks|roof|rooftop|ledge|edge|overpass|cliff)\b",
        r"\btired of (?:fighting|trying) to (?:stay alive|live|keep living|stay)\b",
        r"\bknow which (?:bridge|building|pills|tracks|tree)\b",
        r"\b(?:lethal|fatal) (?:dose|amount) (?:of|for) (?:my|me)\b",
        r"\bgarage with the (?:car|engine) running\b|\bcar running in the garage\b",
        r"\b(?:got|have|bought) (?:the )?razor blades\b",
        r"\b(?:by|before) (?:\w+day|tonight|tomorrow|morning|the weekend|next week) i'll be (?:gone|dead|at peace)\b",
        r"\bi'll be (?:gone|dead) (?:by|before|soon|tomorrow|tonight)\b",
        r"\beverything i need to (?:end it|die|do it|kill myself)\b",
        r"\b(?:won't|not going to|don't think i'll|don't think i will|not gonna) (?:survive|make it through) "
        r"(?:tonight|the night|this night|today|the weekend)\b",
        r"\bestoy en (?:el puente|la azotea|las vias|el techo)\b",
        r"\b" + _PILLS + r" (?:lined up|counted|ready)\b",
        r"\b(?:rope|noose|gun|pistol|razor|blade) (?:is |are )?(?:ready|tied|loaded|in my hand|in front of me|"
        r"set up)\b",
        r"\b(?:have|got|bought|ordered|found|picked out|tied|made) (?:a |the |my )?(?:rope|noose|gun|pistol|"
        r"sodium nitrite|exit bag|helium tank)\b",
        r"\b(?:have|made|got|figured out|working on) (?:a|the|my) plan (?:to|for how to|for when|on how to) "
        r"(?:end|die|kill|do it|go)\b",
        r"\bknow (?:exactly )?how (?:i'd|i would|i'm going to|i will|i am going to|i'll) do it\b",
        r"\b(?:how and when|when and how)\b",
        r"\b(?:take|swallow|taking|swallowing|took|swallowed|downed|taken) (?:all|every one|the whole bottle|a handful|"
        r"a bunch|too many|way too many)(?: of)?(?: my| the| these| those)? " + _PILLS + r"\b",
        r"\b(?:took|swallowed|downed|taken) the whole bottle\b",
        r"\btonight(?:'s| is) the night\b",
        r"\bwon't (?:be (?:alive|around|here) (?:tomorrow|much longer|for long|by morning|after tonight)|"
        r"(?:see|make it to) (?:tomorrow|another day|next week|christmas|my birthday|the morning))\b",
        r"\b(?:jump|jumping) (?:off|from|in front of) ~ (?:bridge|roof|building|train|tracks|balcony|cliff|overpass)\b",
        r"\b(?:jump|jumping) (?:off|from|in front of) (?:a|the|my) (?:bridge|roof|building|train|balcony|cliff|"
        r"overpass)\b",
        r"\b(?:step|stepping|walk|walking) in front of (?:a|the) (?:train|bus|truck|car)\b",
        r"\b(?:drive|driving|crash|crashing) (?:my car )?(?:into|off) (?:a|the) (?:tree|wall|bridge|cliff|pole|river|"
        r"road)\b",
        r"\bhow (?:many|much) " + _PILLS + r" ~ (?:die|kill|lethal|fatal|take|not wake up|od|overdose)\b",
        r"\b(?:painless|quickest|easiest|fastest|best) (?:way|ways|method|methods) to (?:die|kill myself|end it|go)\b",
        r"\bpainless (?:death|suicide)\b",
        r"\btengo (?:las|unas|suficientes|un monton de|todas las) (?:pastillas|pildoras)\b",
        r"\b(?:pastillas|pildoras) (?:listas|contadas|alineadas|preparadas)\b",
        r"\besta noche (?:lo hago|me mato|se acaba|termino|acabo)\b",
        r"\bya tengo (?:la cuerda|el plan|un plan|todo listo|todo preparado|la pistola)\b",
        r"\bya se como (?:lo voy a hacer|hacerlo)\b",
        r"\b(?:tirarme|aventarme|lanzarme) (?:del|de un|desde el|desde un|al|a las) "
        r"(?:puente|edificio|techo|balcon|tren|metro|vias)\b",
        r"\b(?:colgarme|ahorcarme)\b",
        r"\b(?:tomarme|me tome|me voy a tomar) (?:todas las|todo el frasco de|el frasco de) (?:pastillas|pildoras)\b",
    ),
    # --- preparatory acts -------------------------------------------------------
    *_rules(
        "preparation",
        "crisis",
        "npq",
        r"\b(?:stockpil\w*|hoard\w*|stash\w*|collect\w*|sav(?:ed|ing) up|been saving|kept|keeping|hiding|hid|saving|"
        r"stash of) (?:up )?(?:all )?(?:my |the |some |a (?:bunch|lot|stash) of |enough )?(?:old )?" + _PILLS + r"\b",
        r"\bfinished (?:writing )?(?:my|the) (?:note|letters?)\b",
        r"\b(?:have|got|saved|there's) enough " + _PILLS + r"\b",
        r"\b(?:suicide|goodbye|farewell) (?:note|notes|letter|letters|message|video)\b",
        r"\b(?:wrote|written|writing|left|finished) (?:a |my |the )?(?:last )?(?:notes?|letters?) (?:for|to) (?:my |"
        r"the )?"
        r"(?:family|kids|" + _FAMILY + r"|everyone|them|whoever finds)\b",
        r"\b(?:giv(?:e|ing|en)|gave) away (?:all )?(?:of )?my (?:stuff|things|belongings|possessions|everything|"
        r"cat|dog|"
        r""
        r"pets?)\b",
        r"\b(?:giv(?:e|ing|en)|gave) (?:all )?(?:of )?my (?:stuff|things|belongings|possessions) away\b",
        r"\b(?:made|make|making) (?:my )?peace with (?:it|dying|death|my decision|leaving)\b",
        r"\b(?:affairs|everything) in order\b",
        r"\b(?:said|saying|say) my (?:last )?goodbyes\b",
        r"\bcarta de despedida\b",
        r"\b(?:regalando|regale|voy a regalar) (?:todas )?mis cosas\b",
        r"\b(?:juntando|guardando|acumulando|junte|guarde) (?:las |mis )?(?:pastillas|pildoras)\b",
        r"\b(?:deje|dejando|dejar) todo (?:arreglado|en orden|listo)\b",
    ),
    *_rules(
        "preparation",
        "weak",
        "npq",
        r"\b(?:updated|made|wrote|finished|sorted out|signed) (?:my|a) will\b",
        r"\b(?:find|found|finding|need) (?:a )?(?:new )?(?:home|someone to take|someone to look after) for my "
        r"(?:dog|cat|pets?)\b",
        r"\bwho (?:will|would|could) (?:take care of|look after|feed) my (?:dog|cat|kids|pets?)\b",
        r"\bmy mind is made up\b",
        r"\bmy will is (?:signed|done|ready|written)\b",
        r"\bi have the (?:pills|rope|gun|blade|razor)\b",
        r"\bif i (?:died|disappeared|was dead|were dead|was gone)\b",
        r"\b(?:lethal|fatal) (?:dose|amount)\b",
        r"\bwon't (?:need|be needing) (?:it|them|this|that|those|anything)\b",
        r"\b(?:gave|give|giving|given) (?:away )?my (?:dog|cat|pets?|guitar|car|jewelry) (?:away|to)\b",
        r"\b(?:gave|giving) away my (?:guitar|car|jewelry|records)\b",
        r"\bthis is the last (?:one|time|post|message|thing)\b",
        r"\b(?:writing|wrote|write) (?:letters|goodbyes|everyone a letter|my \w+ a letter)\b",
        r"\b(?:with|all) my pills\b",
        r"\bdoing it (?:tonight|today|tomorrow|this weekend)\b",
        r"\bdeje una carta\b",
        r"\b(?:deleted|deleting|delete) (?:all )?(?:my )?(?:accounts|social media|photos)\b",
    ),
    # --- goodbye messages -------------------------------------------------------
    *_rules(
        "goodbye",
        "crisis",
        "nptqg",
        r"\b(?:goodbye|bye|farewell) (?:everyone|everybody|all|y'all|guys|friends|forever|world|cruel world|"
        r"for good|for the last time)\b",
        r"\b(?:this is|this will be|this'll be|here's) my (?:last|final) (?:message|post|text|goodbye|night)\b"
        r"(?! about| on| for| of the| before| at)",
        r"\blast time (?:you'll|you will|you guys will|anyone will) (?:hear from|see) me\b",
        r"\bthis is the last (?:thing|message|post) i'll (?:post|write|say|send)\b",
        r"\b(?:signing|logging) off (?:for good|forever|for the last time|permanently)\b",
        r"\bi'll be at peace (?:soon|tonight|tomorrow|now)\b",
        r"\beach other for me\b",
        r"\b(?:you|y'all|nobody|no one|you guys) (?:won't|will not|will never|wont) (?:hear from|see|have to deal with|"
        r"have to worry about) me (?:again|anymore|ever again|much longer)\b",
        r"\bi won't be (?:around|here|posting|online|bothering (?:you|anyone))(?: here)? (?:anymore|any longer|"
        r"much longer|"
        r"after tonight|after today|for much longer|again)\b",
        r"\b(?:tell|let) my "
        + _FAMILY
        + r" (?:know )?(?:that )?(?:i love|i loved|i am sorry|i'm sorry|i was sorry|i tried)\b",
        r"\b(?:final|last) goodbye\b|\bthis is goodbye\b|\bgoodbye for good\b",
        r"\bsaying goodbye (?:to everyone|for good|forever|to you all|to all of you)\b",
        r"\badios (?:a todos|para siempre|mundo)\b",
        r"\b(?:este es|sera) mi ultimo mensaje\b",
        r"\b(?:ya no|nunca mas) (?:me van a ver|van a saber (?:nada )?de mi)\b",
        r"\bdiganle a mi \w+ que (?:la|lo|los) quiero\b",
    ),
    *_rules(
        "goodbye",
        "weak",
        "npqg",
        r"\b(?:thank you|thanks) (?:all |everyone |guys |so much |y'all )?for everything\b(?! you| this| today| that)",
        r"\b(?:i'm |i am )?(?:so )?sorry for everything\b",
        r"\b(?:goodbye|bye|adios)\W*$",
        r"\bsorry i (?:couldn't|wasn't|failed|let you|let everyone)\b",
        r"\b(?:don't blame yourself|don't blame yourselves|it's not your fault|not anyone's fault)\b",
        r"\bbefore i go\b(?! to| on| out| in| back| home| into| for)",
        r"\bwanted to say goodbye\b",
        r"\byou (?:guys |all )?(?:were|have been) the best (?:part|thing)\b",
        r"\bthank you (?:all )?for trying\b",
        r"\bi can't anymore\b",
        r"\bforgive me\b",
        r"\bi love you all\b",
        r"\b(?:take care of|look after) (?:my " + _FAMILY + r"|my (?:dog|cat|pets)|each other for me)\b",
        r"\bremember me\b",
        r"\bgracias por todo\b(?! este| lo que| el apoyo)",
        r"\b(?:perdonenme|perdoname)\b",
        r"\blos quiero (?:a todos|mucho)\b",
        r"\bcuiden a mi\b",
    ),
    # --- self-harm ---------------------------------------------------------------
    *_rules(
        "self_harm",
        "crisis",
        "npqa",
        r"\b(?:cut|cutting|cuts|burn|burning|burned|burnt|hurt|hurting|harm|harming|hit|hitting|punch|punching|"
        r"scratch|scratching|scratched|carve|carving|carved|starve|starving|bruise|bruising|bruised) myself\b",
        r"\bcarv(?:e|ed|ing) into my (?:arms?|wrists?|legs?|thighs?|skin|stomach)\b",
        r"\b(?:won't|will not|can't get it to|doesn't|does not) stop bleeding\b",
        r"\bsh'?(?:d|ed)\b|\bsh again\b",
        r"\b(?:bled|bleed|bleeding|burned|burn|cut|hurt|hit|punched|bruised|scratched) (?:\S+ ){0,6}on purpose\b",
        r"\b(?:till|until) (?:i|it) bled\b",
        r"\bbroke my (?:\S+ ){0,3}(?:clean|streak)(?: from| of not)? (?:cutting|self harm|sh|hurting myself)\b",
        r"\bi'm cutting(?= *(?:$|[.,!?]|right now|again|tonight|myself))",
        r"\bi cut and (?:now|it|i'm|i)\b",
        r"\b(?:cut|cutting|slit|slitting|slice|slicing|carve|carving|burn|burning|burned) my (?:arms?|wrists?|legs?|"
        r"thighs?|skin|stomach|hips?)\b",
        r"\b(?:want|wanting|wanna|urges?|need|needing|tempted|itching|craving|crave|dying) (?:so bad |so badly )?"
        r"(?:to )?(?:cut|burn|bleed|self harm|sh)\b(?=\s*(?:$|[.,!?;]|again|so bad|so badly|really bad|tonight|"
        r"right now|today|myself|my (?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?)|deeper|and |but |so much|is |"
        r"are |"
        r"has |keeps ))",
        r"\b(?:relapsed|relapse|relapsing|slipped) (?:on|with|into) (?:cutting|self harm|sh|burning)\b",
        r"(?<!hair )(?<!paper )\b(?:cut|burned) again\b",
        r"\bi (?:cut|burned) (?:last night|tonight|today|this morning|yesterday|deep|deeper|so deep)\b",
        r"\b(?:started|start|back to|went back to|been|keep|kept|stop) (?:cutting|burning)\b(?=\s*(?:$|[.,!?;]|again|"
        r"lately|a lot|every|more|and |but |deeper|myself|after))",
        r"\b(?:holding|looking at|staring at|took out|took the) (?:the |a |my )?(?:razor|blade)s?\b",
        r"\b(?:razor|blade) in my hand\b",
        r"\b(?:cortarme|me corte(?! el| la| las| los| un| una| con)|me estoy cortando|me volvi a cortar|hacerme dano|"
        r"lastimarme|autolesionarme|"
        r"quemarme|me queme a proposito|autolesion|autolesiones|me hice dano a proposito)\b",
    ),
    *_rules("preparation", "crisis", "np", r"\bwhoever finds me\b"),
    *_rules("self_harm", "crisis", "nptqa", r"\bself harm(?:ing|ed|s)?\b"),
    # --- overdose danger -------------------------------------------------------------
    *_rules(
        "overdose_risk",
        "crisis",
        "npq",
        r"\b(?:i'm|i am|going to|gonna|might|could|will|want to|wanna|trying to|try to|hope i|hoping to|about to|"
        r"plan to|planning to|i'll|probably|gonna end up) (?:just )?(?:od|overdose)\b",
        r"\b(?:almost|nearly|basically) (?:od'd|od|overdosed)\b",
        r"\b(?:do|did|doing|use|used|shoot|shot|snort|snorted|take|took|smoke) (?:the )?whole (?:bag|bundle|gram|g|"
        r"stash|"
        r"point|thing|batch)\b",
        r"\b(?:use|using|drink|drinking|consumir|tomar) (?:enough|until|till|hasta) (?:that )?(?:i )?(?:don't|do not|"
        r"never|no)?"
        r" ?(?:wake up|despertar|die|morir)\b",
        r"\b(?:drinking|drunk|drank) (?:\S+ ){0,3}(?:and|on|with|plus) (?:\S+ ){0,2}(?:xanax|benzos|bars|klonopin|"
        r"valium|"
        r"ativan|sleeping pills|oxy|methadone|my meds|my pills)\b",
        r"\b(?:drank|drinking) (?:\S+ ){0,6}(?:took|taking|popped) (?:all )?(?:my )?(?:meds|pills|xanax|bars)\b",
        r"\b(?:use|using|used|shoot|shooting|shot|shoot up|shooting up|shot up|get high|getting high|got high|smoke|"
        r"smoking|smoked|fix|do it|did it|nod|nodding|nodding out) (?:alone|by myself|with no one around|"
        r"with nobody around)\b",
        r"\b(?:copped|bought|scored|got|took|popped|smoked|snorted|have|found|picked up|grabbed|smoke|smoking|take|"
        r"taking|"
        r"pop|popping|snort|snorting|do|doing) (?:some |a few |a couple |"
        r"a couple of |\d+ |two |three |a bunch of )?(?:fent|fentanyl|fetty|blues|m30s?|pressed pills|"
        r"tranq|carfentanil|nitazenes?)\b(?! records| music| band| song| guitar| album| concert| festival)",
        r"\b(?:consumir|consumi|consumiendo|drogarme|me drogue) (?:sol[oa]|sin nadie)\b",
        r"\b(?:compre|consegui|me meti|tome|fume) (?:fentanilo|fenta|pastillas azules)\b",
    ),
    *_rules(
        "overdose_risk",
        "crisis",
        "nptq",
        r"\bod'?d\b|\bod(?:ing)?\b(?= (?:last night|tonight|today|again|this morning|yesterday|on))",
        r"\boverdos(?:ed|ing)\b",
        r"\b(?:tuve una|casi tengo una|voy a tener una) sobredosis\b",
    ),
    *_rules(
        "overdose_risk",
        "danger",
        "q",
        r"\b(?:fent|fentanyl|fetty|m30s?|pressed pills|tranq|xylazine|carfentanil|nitazenes?|fentanilo|fenta)\b",
        r"\b(?:\d+|some|couple|few|a couple|bunch of|pressed|fake) (?:of )?blues\b",
        r"\b(?:lost|no|low|zero|don't have (?:a|my|any)|haven't got (?:a|my|any)) tolerance\b",
        r"\btolerance (?:is|'s|was) (?:gone|down|low|shot|zero|nothing)\b",
        r"\bhaven't (?:used|drank|been high|touched it) in (?:\d+|a few|months|years|a year|a while|forever|ages)\b",
        r"\b(?:no|don't have|out of|without|ran out of|don't have any|haven't got|used my last|left my|lost my) "
        r"(?:any )?(?:narcan|naloxone|kloxxado|naloxona)\b",
        r"\b(?:relapsed|used|using|high|nodding|nodding out|shooting) (?:all )?(?:alone|by myself)\b",
        r"\blaced\b|\bcut with fent",
        r"\bsame (?:amount|dose) (?:as before|i used to)|\b(?:what|how much) i used to (?:do|use)\b",
        r"\bjust got out of (?:detox|rehab|jail|prison|treatment|the hospital)\b",
        r"\bno tengo (?:narcan|naloxona)\b",
        r"\b(?:no one around|nobody around|nobody knows|no one knows|nobody will check|no one will check)\b",
        r"\bmix(?:ing|ed)? (?:it |them )?(?:with )?(?:benzos|xanax|bars|alcohol|booze|pills|downers)\b",
        r"\bsin (?:narcan|naloxona)\b",
    ),
    # --- hopelessness with intent --------------------------------------------------
    *_rules(
        "hopeless_intent",
        "crisis",
        "npq",
        r"\bwant (?:it all|everything|all of (?:it|this)|the pain|this pain|my pain|life|the suffering|this life|"
        r"my life|it|this) to (?:just )?(?:stop|end|be over|go away forever) (?:forever|for good|permanently)\b",
        r"\bwant (?:it all|everything|all of it|all of this|the pain|this pain|my pain|the suffering|this life|"
        r"my life) "
        r"to (?:just )?(?:stop|end|be over)\b",
        r"\b(?:make|let) (?:it all|everything|the pain|it|this) (?:stop|end) (?:forever|for good|permanently)\b",
        r"\bonly (?:one )?way out\b(?! is through| is through it)",
        r"\bno way out except\b",
        r"\b(?:let go|stop|give up|check out|leave) (?:for good|forever|permanently)\b",
        r"\bstop feeling (?:anything )?(?:ever again|forever|for good)\b",
        r"\bdone (?:\S+ ){0,4}for good\b",
        r"\bquiero que (?:se acabe|termine|acabe|pare|se termine)\b",
        r"\bdone (?:with )?(?:life|living|it all|this life|existing|being alive)\b",
        r"\bquiero que (?:todo|esto|el dolor) (?:termine|se acabe|acabe|pare|se termine)\b",
        r"\bya no quiero (?:seguir|luchar|nada)\b",
    ),
    *_rules(
        "hopeless_intent",
        "weak",
        "npq",
        r"\bwant out\b(?! of (?:this|my|the) (?:job|relationship|lease|contract|marriage|group|program|class|plan|"
        r"deal))",
        r"\bmake it (?:all )?stop\b",
        r"\b(?:i'm|i am) (?:so |just )?done\b(?! with(?! (?:it all|everything|life|this life|living|myself))| for )",
        r"\bwant it (?:all )?(?:to (?:end|stop|be over)|over)\b",
        r"\blet it (?:all )?end\b",
        r"\bno way out\b",
        r"\bend the pain\b",
        r"\bnothing left (?:for me|to live for)\b",
        r"\bcan't (?:keep going|go on)\b",
        r"\bno puedo seguir\b",
    ),
    # --- concern: relapse, cravings, hopelessness ----------------------------------------
    *_rules(
        "relapse",
        "concern",
        "nptq",
        r"\b(?:relapsed|relapsing|slipped up|had a slip|had a relapse|fell off the wagon|picked up again|used again|"
        r"drank again|went out again|got loaded|went on a bender|using again|drinking again|slipped again|"
        r"relapse happened|"
        r"relapse number|got drunk|got high|got wasted|recaer|copped|did a line|did a shot)\b",
        r"\b(?:about to|going to|gonna) do what i used to\b",
        r"\bslipped (?:on|at|last|this|yesterday|today)\b",
        r"\b(?:about to|going to|gonna|i'm going to) (?:use|shoot up|pick up|get high|do a shot|do a line|smoke|drink|"
        r"score|"
        r"cop)\b",
        r"\btook a pill from\b",
        r"\b(?:lost|reset|resetting|losing) my (?:sobriety|clean time|streak|days|date|sober date|sobriety date|"
        r"clean date|chip)\b",
        r"\bback to day (?:one|1|zero|0)\b|\bday (?:one|1) again\b",
        r"\b(?:started|start) (?:using|drinking|smoking|shooting) again\b",
        r"\b(?:going to|gonna|about to|might|close to|so close to|on the verge of|scared i'll|afraid i'll|want to) "
        r"relapse\b",
        r"\b(?:i )?(?:used|drank|got high|got drunk|smoked|shot up|snorted|took a hit|took a drink|had a drink|"
        r"had a few drinks|had a beer|had wine|had a glass|popped a pill|copped|scored)\b"
        r"(?! (?:so much |a lot of |too much |some )?(?:water|coffee|tea|juice|soda))"
        r"(?=.*\b(?:last night|tonight|today|yesterday|this morning|again|this weekend|after \w+ (?:months|years|"
        r"weeks|days)|at (?:the|a|my)|on (?:my|\w+day)|this (?:week|weekend|morning)|and (?:now|i|didn't|haven't)))",
        r"\bi(?:'m| am|'ve been| have been) (?:using|drinking|getting high|shooting up|high|drunk|wasted|loaded)"
        r"(?= again| every| daily| nonstop| all (?:day|week)| a lot(?! of)| right now| tonight| today| it anyway|"
        r" anyway|"
        r" for| since| and| on (?!life|caffeine|sugar|coffee)|\s*[.,!?]|\s*$)",
        r"\bi (?:copped|scored|bought (?:some|a bag|a bottle|a pint|a fifth))\b",
        r"\bi picked up(?= again| tonight| today| yesterday| last| after| and| a (?:pint|bottle|fifth|bag|gram|case)|"
        r"\s*[.,!?]|\s*$)",
        r"\b(?:recai|recaida|tuve una recaida|volvi a (?:tomar|consumir|beber|usar|drogarme|fumar))\b",
        r"\b(?:estoy|ando) (?:consumiendo|tomando|borracho|borracha|drogado|drogada)\b",
    ),
    *_rules(
        "craving",
        "concern",
        "nptqs",
        r"(?<!sugar )(?<!food )(?<!carb )(?<!chocolate )(?<!pizza )(?<!snack )\bcravings?\b(?! (?:for )?(?:pizza|tacos|"
        r"sushi|chocolate|sugar|sweets|ice cream|carbs|coffee|food|junk food|candy|"
        r"a burger|burgers|salt|fries|something sweet|a snack|snacks|pasta|bread|cookies|cake|a nap|sleep|attention|"
        r"peace|hugs|connection|tea|fruit|soup|cookie))",
        r"\b(?:craving|crave|urges?|urge) (?:to )?(?:for )?" + _USE + r"\b",
        r"\b(?:want|wanna|really want|wanting|need|dying|tempted|thinking about|thinking of|think about|planning|plan|"
        r"itching|calling|texting) (?:to |on )?(?:use|using|drink|drinking|get high|getting high|get drunk|get loaded|"
        r"pick up|"
        r"picking up|score|cop|call my dealer|text my dealer|relapse|get wasted|shoot up|numb it)\b"
        r"(?! (?:water|more water|coffee|tea|juice|soda|something|a smoothie|protein|less|your))",
        r"\bmy (?:old )?dealer\b|\bdealer's\b",
        r"\b(?:need|want|wanted) (?:a drink|to get high|one so bad)\b",
        r"\beasy to (?:just )?(?:drink|use|pick up|get high)\b",
        r"\bmiss (?:getting high|drinking|using|the high|being high|being drunk)\b",
        r"\bone (?:drink|hit|line|pill|beer|drink) won't hurt\b",
        r"\bromanticiz\w* (?:using|drinking|getting high|the high)\b|\beuphoric recall\b",
        r"\ball i can think about is (?:drinking|using|getting high)\b",
        r"\bhard time not (?:using|drinking|picking up)\b",
        r"\b(?:strong|bad|intense|crazy|big) urges\b|\bwhite knuckl\w*\b",
        r"\bwants? to (?:use|drink|get high|pick up)\b",
        r"\b(?:voy a|quiero|pensar en|pensando en) (?:consumir|drogarme|tomar|beber)\b(?! agua| cafe| te| algo)",
        r"\bdope ?sick\b|\bwithdrawals?\b|\bdetoxing\b",
        r"\b(?:ganas|antojo|ansias) de (?:tomar|consumir|beber|drogarme|usar|fumar|una cerveza|un trago)\b",
    ),
    *_rules(
        "hopelessness",
        "concern",
        "nptq",
        r"\bhopeless\b",
        r"\bno hope\b",
        r"\bcan't (?:do this|take it|take this|take much more|handle this|handle it|keep doing this|"
        r"cope)(?: anymore)?\b",
        r"\b(?:i )?give up\b(?! on the| on this (?:game|puzzle))|\bgiving up\b",
        r"\bwhat's the point\b",
        r"\bnothing (?:matters|will ever change|will ever get better|ever gets better)\b",
        r"\bnever (?:going to|gonna) get better\b",
        r"\bi'm a (?:failure|waste|disappointment|mess)\b",
        r"\bworthless\b",
        r"\bi hate (?:myself|my life)\b",
        r"\b(?:no one|nobody) (?:cares|would care|loves me|gets it)\b",
        r"\bso (?:empty|numb|alone|lonely|lost)\b",
        r"\b(?:i feel|feel|feeling|i'm) (?:so )?(?:empty|numb|lost|broken|pointless)\b",
        r"\bi'm (?:such )?a failure\b|\bfailing at\b",
        r"\bwhat's even the point\b|\bwhy do i (?:even )?bother\b|\bwhy i'm still trying\b",
        r"\bhow much longer i can\b",
        r"\bi'm not okay\b",
        r"\bworst day\b",
        r"\bway out of\b",
        r"\bnothing i do (?:works|matters|helps)\b",
        r"\bcry (?:every night|all the time|every day)\b",
        r"\blost hope\b",
        r"\bdepression is (?:really |so )?(?:bad|back|winning)\b",
        r"\b(?:never|won't ever) get better\b",
        r"\btired of (?:fighting|trying|being me|struggling|everything)\b",
        r"\bpoint of recovery\b",
        r"\bgave up on me\b",
        r"\bletting everyone down\b",
        r"\beverything (?:feels|is) pointless\b",
        r"\b(?:me siento|estoy|me siento muy|estoy muy) (?:sol[oa]|deprimid[oa]|vaci[oa])\b",
        r"\bnunca voy a mejorar\b",
        r"\b(?:end of my rope|at my limit|falling apart|drowning(?! in)|trapped|breaking down|can't breathe)\b",
        r"\b(?:ya )?no (?:puedo|aguanto) mas\b",
        r"\bsin esperanza\b",
        r"\b(?:nada tiene sentido|no tiene sentido nada|nada importa)\b",
        r"\bme rindo\b",
        r"\bno sirvo para nada\b",
        r"\bodio mi vida\b|\bme odio\b",
        r"\bnadie me (?:quiere|entiende|extranaria)\b",
        r"\bestoy (?:hart[oa]|agotad[oa]|vaci[oa]) de todo\b",
    ),
]

# Only the rules whose required wording is in a text are searched (prefilter.py).
_PREFILTER = Prefilter([rule.pattern for rule in RULES])

# --- context checks ---------------------------------------------------------------

_WORD_CHAR = re.compile(r"\w")
_CLAUSE_BREAK = re.compile(r"[.!?;:\n,]|\s(?:but|though|although|however|pero|aunque|sino)\s")
_SENTENCE_BREAK = re.compile(r"[.!?\n]")
_CONJUNCTION = re.compile(r"\b(?:and|or|so|because|cause|y|o|porque|que)\b")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|myself|yo)\b")
_NEGATOR = re.compile(
    r"^(?:not|never|no|don't|didn't|won't|wouldn't|isn't|ain't|aren't|wasn't|haven't|hasn't|nor|without|"
    r"stopped|quit|quitting|nunca|jamas|ni|sin|deje|dejar|dejo)$"
)
# Words after a negator that keep the statement positive: "can't stop thinking
# about killing myself", "not sure I want to live".
_NEGATION_UNDONE = re.compile(r"^(?:stop|help|sure|know|idea|even|matter|get|shake|wait|care|think|mind|see)$")
# A negator after one of these is a double negative: "no puedo dejar de pensar en...", "can't stop".
_DOUBLE_NEGATIVE = re.compile(r"^(?:no|can't|couldn't|puedo|cannot)$")
_RETROSPECT = re.compile(
    r"\b(?:(?:\w+ )?(?:years|months|weeks) ago|a (?:year|long time|while) ago|years back|used to|back (?:then|when|"
    r"in (?:19|20)\d\d|in the day)|"
    r"when i was (?:young|younger|a kid|a teen|a teenager|in high school|in college|in school|using|drinking|"
    r"in active|\d+)|in (?:my )?active (?:addiction|use)|before (?:i got sober|i got clean|recovery|treatment|rehab|"
    r"iop|getting sober|getting clean)|at my lowest|in (?:19|20)\d\d|i remember|remember when|part of my story|"
    r"my story|"
    r""
    r"in my first (?:year|months|weeks)|last (?:year|winter|summer|spring|fall)|"
    r"hace (?:\d+|unos|varios|muchos|dos|tres|cinco|un) (?:anos|meses|ano)|cuando era|solia|"
    r"antes de (?:entrar|la recuperacion|el tratamiento|estar sobri[oa]))\b"
)
# Markers of a recovery told from safety: they veto anywhere in the message
# unless the matched clause itself says it is happening now.
_RECOVERED = re.compile(
    r"(?<!after )(?<!after a )(?<!broke my )(?<!lost my )(?<!reset my )\b(?:(?:\d+|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|a) (?:years?|months?|days?) "
    r"(?:clean|sober)|i survived|survivor|glad i (?:didn't|survived|stayed|made it|'m still here|am still here)|"
    r"looking back|the old me|my old self|(?:thoughts|urges|cravings) (?:are|have) (?:all )?(?:gone|passed|faded)|"
    r"went away|are (?:all )?gone now|sobrevivi|"
    r"cumplo|limpi[oa]|sobri[oa])\b"
)
_PRESENT = re.compile(
    r"\b(?:again|now|tonight|today|right now|still|anymore|lately|these days|this week|just|ahora|hoy|esta noche|"
    r"otra vez|de nuevo|todavia|aun)\b"
)
_OTHER_PERSON = re.compile(
    r"\b(?:he|she|they|he's|she's|they're|him|her|them|his|their|you|your|you're|someone|somebody|anyone|"
    r"everyone|people|a friend|el|ella|ellos|ellas|alguien|"
    r"my (?:friend|buddy|brother|sister|mom|mum|mother|dad|father|son|daughter|cousin|uncle|aunt|wife|husband|"
    r"partner|girlfriend|boyfriend|roommate|sponsor|sponsee|coworker|client|patient|neighbou?r|kid|niece|nephew|"
    r"grandma|grandpa|ex|best friend|bestie)s?|(?:the|this|that|a) (?:movie|film|show|book|character|song|"
    r"episode|novel|documentary|guy|girl|man|woman|protagonist|kid|person|patient|member|villain|hero|narrator|author)|"
    r"mi (?:amig[oa]|herman[oa]|mama|madre|papa|padre|hij[oa]|prim[oa]|pareja|espos[oa]|novi[oa]|padrino|madrina))\b"
)
_RESOURCE = re.compile(
    r"\b(?:(?:if|when|whenever) (?:you|you're|your|anyone|someone|somebody|a friend|people|folks|u)|"
    r"anyone (?:who|that|else who)|(?:those|people|folks|others|anybody) who|whoever|"
    r"si (?:alguien|tu|usted|estas|tienes|sientes|te)|"
    r"988|hotline|lifeline|crisis (?:line|text|team)|741741|warning signs?|signs of|symptoms?|training|trainings|"
    r"awareness|prevention|statistics|stats|research|study|studies|article|podcast|documentary|webinar|"
    r"workshop|lecture|class|course|book|movie|film|show|series|episode|novel|song|lyrics|character|chapter|meme|"
    r"test strips?|harm reduction)\b"
)
_IDIOM_AFTER = re.compile(
    r"^\W*(?:(?:of|from|de) (?:la |el )?(?:cringe|laughter|laughing|embarrassment|shame|boredom|cuteness|hunger|"
    r"exhaustion|the heat|"
    r"the cold|risa|verguenza|hambre|sueno|cansancio|aburrimiento|calor|frio|amor|ganas)|laughing|lmao|lmfao|rofl|"
    r"\U0001f602|\U0001f923|\U0001f480)"
)
_ACCIDENT = re.compile(
    r"\b(?:shaving|cooking|chopping|slicing|cutting (?:onions|vegetables|veggies|bread|wood|the)|in the kitchen|"
    r"on the (?:stove|oven|pan|iron|grill|kettle)|with the iron|lifting|at the gym|working out|by accident|"
    r"accidentally|on accident|playing|running|hiking|fell|tripped|on a nail|on glass|paper cut|opening|"
    r"gardening|at work|moving boxes|sin querer|cocinando)\b"
)
_CASUAL_GOODBYE = re.compile(
    r"\b(?:see (?:you|ya|y'all)|talk (?:to you )?(?:soon|later|tomorrow)|ttyl|next (?:week|time|meeting|month|"
    r"\w+day)|tomorrow|later|vacation|holiday|trip|a break|taking a break|going offline|back (?:on|in|"
    r"next|soon)|good ?night|night all|have a (?:great|good|nice)|enjoy|moving|new job|graduat\w*|last day|for now|"
    r"last meeting|last session|nos vemos|hasta (?:luego|manana|pronto)|vacaciones)\b"
)
_SAFE_PLAN = re.compile(
    r"\b(?:(?:going to|heading to|headed to|on my way to|off to|at|just got out of|went to|got to|getting to|"
    r"made it to|found|hit) (?:a |an |my |the )?(?:\S+ )?(?:meeting|aa|na|ca|smart|smart recovery|group|iop|session|"
    r"church|gym)|(?:call(?:ed|ing)?|text(?:ed|ing)?|talk(?:ed|ing)? to|reach(?:ed|ing)? out to|messaged|phoned|"
    r"with|telling) (?:my |our )?(?:sponsor|counselor|counsellor|therapist|mentor|peer|friend|wife|husband|partner|"
    r"group|support person|accountability partner|case manager|people)|play(?:ing|ed)? the tape|safety plan|"
    r"(?:not|won't|will not|not going to|refuse to|am not going to) (?:use|drink|pick up|act on it|relapse)|"
    r"(?:i'm|i am) not going to(?=\s*(?:[.,!]|$))|i won't(?=\s*(?:[.,!]|$))|urge surf\w*|this too shall pass|"
    r"one day at a time|grounding|breathing exercises?|(?:went|going) for a "
    r"(?:walk|run)|hot shower|distract\w*|voy a (?:una|mi) (?:junta|reunion)|llame a mi padrino)\b"
)


def _bounds(text: str, start: int, end: int, breaks: re.Pattern) -> tuple[int, int]:
    left = 0
    for m in breaks.finditer(text, 0, start):
        left = m.end()
    m = breaks.search(text, end)
    return left, (m.start() if m else len(text))


def _negated(prefix: str) -> bool:
    # Only the few words just before the match, within its clause, after its
    # last conjunction and after the last "I": "I'm not okay I want to die" is
    # not a negation of wanting to die.
    for m in _CONJUNCTION.finditer(prefix):
        prefix = prefix[m.end() :]
    cut = None
    for m in _FIRST_PERSON.finditer(prefix):
        cut = m.end()
    if cut is not None:
        prefix = prefix[cut:]
    words = re.findall(r"[\w']+", prefix)
    for i in range(max(0, len(words) - 4), len(words)):
        if _NEGATOR.match(words[i]):
            following = words[i + 1 : i + 2]
            if following and (_NEGATION_UNDONE.match(following[0]) or _NEGATOR.match(following[0])):
                continue
            if i > 0 and _DOUBLE_NEGATIVE.match(words[i - 1]) and words[i] != "no":
                continue
            return True
    return False


def _vetoed(rule: Rule, text: str, start: int, end: int) -> str:
    """The name of the check that vetoes this match, or ''."""
    c_left, c_right = _bounds(text, start, end, _CLAUSE_BREAK)
    s_left, s_right = _bounds(text, start, end, _SENTENCE_BREAK)
    clause = text[c_left:c_right]
    # "three years ago today" is an anniversary, not a present-tense statement.
    clause_now = _PRESENT.search(re.sub(r"\b(?:ago|clean|sober|limpi[oa]) today\b", "", clause))
    checks = rule.checks
    if "n" in checks and _negated(text[c_left:start]):
        return "negation"
    if "p" in checks and not clause_now and (_RETROSPECT.search(text[s_left:s_right]) or _RECOVERED.search(text)):
        return "past"
    if "p" in checks and _RECOVERED.search(clause):
        return "past"
    if "t" in checks and not _FIRST_PERSON.match(text, start):
        prefix = text[s_left:start]
        others = [m.end() for m in _OTHER_PERSON.finditer(prefix)]
        selves = [m.end() for m in _FIRST_PERSON.finditer(prefix)]
        if others and (not selves or others[-1] > selves[-1]):
            return "third_person"
    # An odd number of quotes before the match means it sits inside a quotation.
    if "q" in checks and (_RESOURCE.search(clause) or text[s_left:start].count('"') % 2 == 1):
        return "resource"
    if "i" in checks and _IDIOM_AFTER.match(text[end : end + 40]):
        return "idiom"
    if "a" in checks and _ACCIDENT.search(clause):
        return "accident"
    if "g" in checks and _CASUAL_GOODBYE.search(text):
        return "casual_goodbye"
    if "s" in checks and _SAFE_PLAN.search(text):
        return "safe_plan"
    return ""


@dataclass(frozen=True)
class Match:
    category: str
    strength: str
    span: tuple[int, int]
    veto: str


@dataclass(frozen=True)
class RuleResult:
    tier: str
    categories: tuple[str, ...]
    # A crisis-strength phrase was present but context vetoed it; the
    # classifier then needs to be surer before it may raise a crisis alone.
    vetoed: bool
    matches: tuple[Match, ...]


def find_matches(text: str) -> list[Match]:
    """Every rule match in normalised text, with the veto that applies (if any)."""
    found = []
    for index in _PREFILTER.candidates(text):
        rule = RULES[index]
        pos = 0
        while (m := rule.pattern.search(text, pos)) is not None:
            start, end = m.span()
            if rule.word_start and start > 0 and _WORD_CHAR.match(text, start - 1) and _WORD_CHAR.match(text, start):
                pos = start + 1  # not at a word start: look again from the next character
                continue
            found.append(Match(rule.category, rule.strength, (start, end), _vetoed(rule, text, start, end)))
            pos = end if end > start else end + 1
    return found


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def apply_rules(text: str) -> RuleResult:
    """Tier and categories from the rules alone, for normalised text."""
    matches = find_matches(text)
    live = [m for m in matches if not m.veto]
    crisis = [m.category for m in live if m.strength == "crisis"]
    weak = [m for m in live if m.strength == "weak"]
    concern = [m.category for m in live if m.strength == "concern"]
    danger = [m for m in live if m.strength == "danger"]
    if danger and any(c in ("relapse", "craving") for c in concern):
        crisis.append("overdose_risk")
    # Two separate warning signs, or one beside hopelessness or a relapse.
    weak_spans = {m.span for m in weak}
    if weak and (len(weak_spans) >= 2 or concern):
        crisis.extend(m.category for m in weak)
    vetoed = any(m.veto and m.strength in ("crisis", "weak") for m in matches)
    if crisis:
        categories = _unique(crisis + [c for c in concern if c not in crisis])
        return RuleResult("crisis", categories, vetoed, tuple(matches))
    if concern or weak:
        return RuleResult("concern", _unique(concern + [m.category for m in weak]), vetoed, tuple(matches))
    return RuleResult("", (), vetoed, tuple(matches))
