"""Retrain the blame detector's sentence model and the action-item check from the repository's data."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand

from postmortems.blame import action_items, model, training


class Command(BaseCommand):
    help = (
        "Train the learned blame model on postmortems/blame/training/sentences (train split only) and the "
        "action-item model on training/action_items, write their artefacts to postmortems/blame/trained/, "
        "and print figures on the untouched test splits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--with-feedback", action="store_true",
                            help="also train on authors' feedback that leads accepted (see export_blame_feedback)")
        parser.add_argument("--feedback-file", metavar="JSONL",
                            help="train on this exported feedback file instead of reading the database")
        parser.add_argument("--skip-action-items", action="store_true", help="retrain only the sentence model")
        parser.add_argument("--output-dir", metavar="DIR",
                            help="write the artefacts here instead of postmortems/blame/trained/ (to compare first)")

    def handle(self, *args, with_feedback, feedback_file, skip_action_items, output_dir, **options):
        extra = []
        if feedback_file:
            extra = training.load_examples([feedback_file])
        elif with_feedback:
            from blamefeedback.export import accepted_feedback_rows

            extra = [training.Example(row["id"], row["text"], row["label"] == "blame", row["category"],
                                      row["kind"], "feedback") for row in accepted_feedback_rows()]
        directory = Path(output_dir) if output_dir else model.ARTEFACT.parent
        result = training.train_and_write(extra_examples=extra, path=directory / model.ARTEFACT.name)
        artefact = result["artefact"]
        self.stdout.write(f"Sentence model: {artefact['training']['examples']} training sentences "
                          f"({len(extra)} from feedback), C={artefact['training']['C']}, "
                          f"threshold {artefact['threshold']}, rules kept above {artefact['veto_below']}")
        self.stdout.write("  leave-one-writer-out CV: " + json.dumps(artefact["training"]["cross_validation"]))
        if result["test"]:
            self.stdout.write("  test split, rules + model: " + json.dumps(result["test"]))
            self.stdout.write("  test split, rules alone:   " + json.dumps(result["test_rules_only"]))
        if not skip_action_items:
            actions = training.train_action_items_and_write(directory / action_items.ARTEFACT.name)
            self.stdout.write(f"Action-item model: {actions['artefact']['training']['examples']} training items, "
                              f"threshold {actions['artefact']['threshold']}")
            self.stdout.write("  test split, rules + model: " + json.dumps(actions["test"]))
            self.stdout.write("  test split, rules alone:   " + json.dumps(actions["test_rules_only"]))
