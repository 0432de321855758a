"""Recipes of the API contract test for the training archive (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

from ganxun.api.tests.contract import Recipe


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    return {
        ("get", "/cadres/{cadre_id}/archive"): Recipe(cast.bob, ids=lambda: {"cadre_id": cast.cadres_a[1].pk}),
        ("get", "/me/archive"): Recipe(cast.carol, outsider=403),
    }
