"""The SMS reminder's text: one segment in every language, the date and time always whole."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carnet.notifications.sms import reminder_text, sms_segments
from carnet.notifications.sms.reminder import fit_reminder
from carnet.notifications.sms.segments import gsm_fold, is_gsm

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2030, 1, 8, 14, 30, tzinfo=PARIS)

# What the lead's catalogues will most likely hold (the same sentence, translated): the fitting
# must hold for them too, before they exist.
SAMPLE_TEMPLATES = {
    "en": "Reminder: your appointment at %(practice)s on %(date)s at %(time)s.",
    "fr": "Rappel : votre rendez-vous chez %(practice)s le %(date)s à %(time)s.",
    "es": "Recordatorio: su cita en %(practice)s el %(date)s a las %(time)s.",
    # A translator's typographic apostrophe puts the whole text in UCS-2 (70 places).
    "fr-curly": (
        "Rappel : n\u2019oubliez pas votre rendez-vous chez %(practice)s le %(date)s à %(time)s."
    ),
    # A translation far too long for one SMS: the compact fallback still carries date and time.
    "too-long": "Bonjour, nous vous rappelons " * 6 + "%(practice)s %(date)s %(time)s",
    "broken": "Rappel %(practise)s %(date)s",
}


# --- counting segments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        # € and [ ] are GSM-7 extension characters: two places each.
        ("€" * 80, 1),
        ("€" * 80 + "a", 2),
        ("[" + "a" * 158, 1),
        ("[" + "a" * 159, 2),
        # é è à ù ñ ü are GSM-7: still 160.
        ("é" * 160, 1),
        ("àèùìòÉÇäöñü" * 14 + "a" * 6, 1),
        # One ç, ú or ê and the whole text is UCS-2: 70, then parts of 67.
        ("ç" + "a" * 69, 1),
        ("ç" + "a" * 70, 2),
        ("ú" * 134, 2),
        ("ê" * 135, 3),
        # An emoji is two UTF-16 code units.
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("", 1),
    ],
)
def test_segments_are_counted_as_phones_and_bills_do(text: str, segments: int) -> None:
    assert sms_segments(text) == segments


def test_spanish_and_french_accents_outside_gsm7_are_folded_to_their_twins() -> None:
    folded = gsm_fold("L’Atelier – Françoise, Sebastián & Jérôme «Ñandú» œil…")
    assert folded == 'L\'Atelier - Francoise, Sebastian & Jérome "Ñandu" oeil...'
    assert is_gsm(folded)
    # No twin: kept, the caller sees it is not GSM-7.
    assert not is_gsm(gsm_fold("診療所 😀"))


# --- the reminder ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_short_name_is_kept_whole_with_the_date_and_time(language: str) -> None:
    text = reminder_text(practice_name="Cabinet Dupont", start_local=START, language=language)
    assert "Cabinet Dupont" in text
    assert "08/01/2030" in text
    assert ("14h30" if language == "fr" else "14:30") in text
    assert sms_segments(text) == 1


def test_the_english_text_reads_as_a_sentence() -> None:
    text = reminder_text(practice_name="Cabinet Dupont", start_local=START, language="en")
    assert text == "Reminder: your appointment at Cabinet Dupont on 08/01/2030 at 14:30."


def test_a_long_name_is_shortened_with_an_ellipsis_never_the_date_or_time() -> None:
    name = "Centre de santé pluridisciplinaire des Hauts-de-Seine " * 4
    text = reminder_text(practice_name=name, start_local=START, language="en")
    assert sms_segments(text) == 1
    assert text.endswith("... on 08/01/2030 at 14:30.")
    assert text.startswith("Reminder: your appointment at Centre de santé pluridisciplinaire")


def test_an_accented_name_is_folded_rather_than_cut_to_70_characters() -> None:
    # "ç" and "ô" would make the SMS UCS-2 (70 places) and cut the name short; folded, the
    # message stays GSM-7 and the name whole.
    name = "Maison de santé Françoise Dolto et Hôpital de jour du Pays basque"
    text = reminder_text(practice_name=name, start_local=START, language="en")
    assert "Maison de santé Francoise Dolto et Hopital de jour du Pays basque" in text
    assert sms_segments(text) == 1


def test_a_name_in_another_script_stays_unicode_and_fits_seventy() -> None:
    name = "東京中央クリニック 予約センター 本院"
    text = reminder_text(practice_name=name, start_local=START, language="en")
    assert sms_segments(text) == 1
    assert len(text.encode("utf-16-le")) // 2 <= 70
    assert text.endswith("… on 08/01/2030 at 14:30.") or name in text


def test_the_text_says_nothing_but_practice_date_and_time() -> None:
    text = reminder_text(practice_name="Cabinet", start_local=START, language="en")
    assert text == "Reminder: your appointment at Cabinet on 08/01/2030 at 14:30."


def test_control_and_invisible_characters_do_not_reach_the_phone() -> None:
    text = reminder_text(
        practice_name="Cabinet\u202e\n\tDupont\u200b", start_local=START, language="en"
    )
    assert "Cabinet Dupont on" in text


practice_names = st.text(max_size=400)
starts = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 12, 31))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=practice_names, start=starts, language=st.sampled_from(["en", "fr", "es"]))
def test_any_name_and_date_fit_one_segment_in_each_language(
    name: str, start: datetime, language: str
) -> None:
    text = reminder_text(practice_name=name, start_local=start, language=language)
    assert sms_segments(text) == 1
    assert start.strftime("%d/%m/%Y") in text
    assert start.strftime("%Hh%M" if language == "fr" else "%H:%M") in text


@settings(max_examples=300, deadline=None)
@given(name=practice_names, start=starts, template=st.sampled_from(sorted(SAMPLE_TEMPLATES)))
def test_the_translations_fit_one_segment_too(name: str, start: datetime, template: str) -> None:
    date, time = start.strftime("%d/%m/%Y"), start.strftime("%H:%M")
    text = fit_reminder(SAMPLE_TEMPLATES[template], name, date, time)
    assert sms_segments(text) == 1
    assert date in text
    assert time in text


def test_the_french_sample_keeps_a_usual_name_whole() -> None:
    text = fit_reminder(
        SAMPLE_TEMPLATES["fr"], "Cabinet de kinésithérapie du Vieux-Port", "08/01/2030", "14h30"
    )
    assert text == (
        "Rappel : votre rendez-vous chez Cabinet de kinésithérapie du Vieux-Port "
        "le 08/01/2030 à 14h30."
    )
    assert sms_segments(text) == 1


def test_the_spanish_sample_folds_accents_outside_gsm7() -> None:
    text = fit_reminder(
        SAMPLE_TEMPLATES["es"], "Clínica Dental Sonrisa de Málaga", "08/01/2030", "14:30"
    )
    assert (
        text
        == "Recordatorio: su cita en Clinica Dental Sonrisa de Malaga el 08/01/2030 a las 14:30."
    )
    assert is_gsm(text)
