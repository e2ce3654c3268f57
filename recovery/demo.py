"""Sam's safety plan for seed_demo (DESIGN.md "Demo data": a safety plan for sam)."""

from . import actions


def seed(context: dict) -> None:
    actions.save_safety_plan(
        member=context["sam"],
        data={
            "warning_signs": "Skipping meals and staying in bed past noon\nTelling myself I'm a burden\nCancelling on friends",
            "coping_strategies": "Walk around the block with headphones on\nCold water on my face, then slow breathing (4 in, 6 out)\nWrite three lines in my journal\nMake a cup of tea and sit by the window",
            "distractions": "The coffee shop on 5th street\nThe library reading room\nCall Jordan and talk about anything but this",
            "help_contacts": [
                {"name": "Jordan (from my cohort)", "phone": "555-010-2233"},
                {"name": "My sister Kim", "phone": "(555) 010-4477"},
            ],
            "professional_contacts": [
                {"name": "Dr. Patel, my therapist", "phone": "555-010-9000"},
                {"name": "The program's after-hours line", "phone": "555-010-1000"},
                {"name": "988 Suicide & Crisis Lifeline", "phone": "988"},
            ],
            "making_safe": "Kim keeps my extra medication at her place\nNo alcohol in the apartment",
            "reasons_for_living": "My niece, who thinks I hang the moon\nFinishing my degree\nThe mornings when I feel like myself again",
        },
    )
