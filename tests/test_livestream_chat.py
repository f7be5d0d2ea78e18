"""Chat moderation at the Chat level against real Redis: usernames are case-insensitive, so a
mute or a rate limit applies to a user whatever the case it was typed in."""

from __future__ import annotations

import pytest

from core.errors import Forbidden
from livestream.chat import Chat, RateLimited


async def test_a_user_muted_in_another_case_cannot_post(aredis) -> None:
    chat = Chat(aredis)
    assert await chat.mute(1, "MixedCase1", True) == ["mixedcase1"]
    with pytest.raises(Forbidden):
        await chat.post(1, "MixedCase1", "还能说话吗")
    with pytest.raises(Forbidden):
        await chat.post(1, "mixedcase1", "还能说话吗")
    assert await chat.mute(1, "MIXEDCASE1", False) == []
    assert (await chat.post(1, "MixedCase1", "好了"))["status"] == "published"


async def test_the_rate_limit_is_per_user_whatever_the_case(aredis) -> None:
    chat = Chat(aredis)
    assert (await chat.post(1, "Dora_Chat", "一"))["status"] == "published"
    with pytest.raises(RateLimited):
        await chat.post(1, "dora_chat", "二")
