"""The privacy choices of a feed link."""

from __future__ import annotations

from django import forms

from carnet.feeds.models import FeedLink


class FeedPrivacyForm(forms.ModelForm):
    class Meta:
        model = FeedLink
        fields = ("title_choice", "personal_choice")
        widgets = {"title_choice": forms.RadioSelect, "personal_choice": forms.RadioSelect}
