"""Forms for telling the check what it missed, filtering the review list and editing the vocabulary."""
from django import forms

from .feedback import clean_text
from .models import (
    CATEGORY_CHOICES, NOTE_MAX_LENGTH, SENTENCE_MAX_LENGTH, TERM_MAX_LENGTH, TERM_NOTE_MAX_LENGTH, BlameFeedback,
    VocabularyTerm,
)

# The editor's own form holds the missed-blame fields, but they belong to this separate,
# empty form (HTML's form attribute): forms cannot nest, and the editor must not post them.
MISSED_BLAME_FORM_ID = "missed-blame-form"
DUPLICATE_TERM = "“{term}” is already in the vocabulary."


class CleanTextField(forms.CharField):
    """A CharField that drops control characters as well as surrounding space."""

    def to_python(self, value):
        return clean_text(super().to_python(value))


class MissedBlameForm(forms.Form):
    """A sentence of one section that blames someone though the check did not flag it."""

    sentence = CleanTextField(
        label="Sentence that reads as blame", max_length=SENTENCE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Paste or type the sentence the check missed.",
                        "max_length": "Paste just the one sentence: at most %(limit_value)d characters "
                                      "(this has %(show_value)d)."},
    )
    category = forms.ChoiceField(label="What kind of blame (optional)", required=False,
                                 choices=[("", "Not sure"), *CATEGORY_CHOICES])
    note = CleanTextField(label="Note for the team's leads (optional)", required=False, max_length=NOTE_MAX_LENGTH)

    def __init__(self, *args, section, **kwargs):
        super().__init__(*args, prefix=f"missed-{section}", **kwargs)
        self.section = section
        for field in self.fields.values():
            field.widget.attrs["form"] = MISSED_BLAME_FORM_ID


class ReviewFilterForm(forms.Form):
    """The review list's filters: pending feedback of both kinds unless asked otherwise."""

    status = forms.ChoiceField(choices=[*BlameFeedback.Status.choices, ("all", "All")], required=False,
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    kind = forms.ChoiceField(choices=[("", "Both kinds"), *BlameFeedback.Kind.choices], required=False,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def filter(self, queryset):
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or BlameFeedback.Status.PENDING
        if status != "all":
            queryset = queryset.filter(status=status)
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        return queryset


class VocabularyTermForm(forms.Form):
    term = CleanTextField(
        max_length=TERM_MAX_LENGTH, help_text="A word or phrase; matched as whole words, in any case.",
        error_messages={"required": "Enter a term.",
                        "max_length": "Keep a term to %(limit_value)d characters (this has %(show_value)d)."},
    )
    action = forms.ChoiceField(
        label="What the check does with it", choices=VocabularyTerm.Action.choices, initial=VocabularyTerm.Action.ALLOW,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label="Category (for flagged terms)", required=False,
                                 choices=[("", "—"), *CATEGORY_CHOICES])
    note = CleanTextField(label="Note shown to authors (optional)", required=False, max_length=TERM_NOTE_MAX_LENGTH)

    def clean_term(self):
        # One space between words: the check matches the term's words as written.
        term = " ".join(self.cleaned_data["term"].split())
        if VocabularyTerm.objects.filter(term__iexact=term).exists():
            raise forms.ValidationError(DUPLICATE_TERM.format(term=term), code="duplicate")
        return term

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == VocabularyTerm.Action.FLAG and not cleaned.get("category"):
            self.add_error("category", "Choose the category a flagged term belongs to.")
        return cleaned
