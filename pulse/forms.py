"""The pulse's forms: answering, the leads' questions and settings."""
from django import forms

from pulse import questions
from pulse.models import PulseSettings, Response

SCALE = [(1, "Strongly disagree"), (2, "Disagree"), (3, "Neutral"), (4, "Agree"), (5, "Strongly agree")]


class AnswerForm(forms.Form):
    """One 1–5 choice per statement of the period's questions, and the optional free text."""

    def __init__(self, question_set, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.question_set = question_set
        self.statements = list(question_set.statements.all())
        for statement in self.statements:
            self.fields[self.field_name(statement)] = forms.TypedChoiceField(
                label=statement.text, choices=SCALE, coerce=int, widget=forms.RadioSelect,
                error_messages={"required": "Choose how much you agree."},
            )
        if question_set.free_text_question:
            max_length = Response._meta.get_field("free_text").max_length
            self.fields["free_text"] = forms.CharField(
                label=question_set.free_text_question, required=False, max_length=max_length,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    @staticmethod
    def field_name(statement):
        return f"statement_{statement.pk}"

    @classmethod
    def initial_from(cls, response):
        """The form's initial values from a stored response (for a change from the link)."""
        if response is None:
            return {}
        initial = {f"statement_{answer.statement_id}": answer.score for answer in response.answers.all()}
        initial["free_text"] = response.free_text
        return initial

    def statement_fields(self):
        return [self[self.field_name(statement)] for statement in self.statements]

    def scores(self):
        return {statement.pk: self.cleaned_data[self.field_name(statement)] for statement in self.statements}

    def comment(self):
        """The free-text answer, trimmed (empty when the questions ask none)."""
        return self.cleaned_data.get("free_text", "").strip()


class QuestionsForm(forms.Form):
    """Three to six statements and the optional free-text question; saving makes a new version."""

    free_text_question = forms.CharField(
        label="Free-text question (optional)", required=False, max_length=300,
        help_text="Leave empty to ask no free-text question.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, questions.MAX_STATEMENTS + 1):
            self.fields[f"statement_{number}"] = forms.CharField(
                label=f"Statement {number}", required=number <= questions.MIN_STATEMENTS, max_length=200,
            )
        # The free-text question reads best after the statements.
        self.order_fields([f"statement_{n}" for n in range(1, questions.MAX_STATEMENTS + 1)])

    @classmethod
    def initial_from(cls, question_set):
        initial = {f"statement_{s.position}": s.text for s in question_set.statements.all()}
        initial["free_text_question"] = question_set.free_text_question
        return initial

    def statements(self):
        return [self.cleaned_data.get(f"statement_{n}", "") for n in range(1, questions.MAX_STATEMENTS + 1)]


class PulseSettingsForm(forms.ModelForm):
    class Meta:
        model = PulseSettings
        fields = ["enabled", "cadence", "day", "hour", "anchor"]
        labels = {"enabled": "Ask the team", "day": "Day", "hour": "Hour", "anchor": "Fortnightly periods start on"}
        widgets = {"anchor": forms.DateInput(attrs={"type": "date"})}
