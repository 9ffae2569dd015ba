"""`carnet feed-link EMAIL`, the spelling the documentation uses; see feed_link.py."""

from carnet.feeds.management.commands.feed_link import Command

__all__ = ["Command"]
