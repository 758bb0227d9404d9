"""The import wizard's forms: what to import and the file, then each column's field and the
match mode. They only parse input; the services check the file and the mapping."""

from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict

from rapport.core.errors import ServiceValidationError
from rapport.data.importers import Importer, importers
from rapport.data.models import ImportBatch, ImportMode
from rapport.web.forms import add_service_errors

SKIP_COLUMN = ""


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label="What to import")
    file = forms.FileField(
        label="File",
        help_text=(
            "A CSV file (any common encoding and delimiter) or an Excel workbook (.xlsx, .xls),"
            " with a header row; or vCards (.vcf)."
        ),
    )

    def __init__(
        self, data: Any = None, files: MultiValueDict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, files, **kwargs)
        entity: Any = self.fields["entity"]
        entity.choices = [(i.entity, i.label) for i in importers()]
        # People are what is most often brought in (and all a vCard holds): not the first
        # choice alphabetically, companies, on which every card of a vCard failed.
        entity.initial = "contacts"


class MappingForm(forms.Form):
    """One select per column of the file (named `column_<n>`, as a header may be any text),
    first set to the stored mapping: the suggestion until the user changes it."""

    mode = forms.ChoiceField(
        label="When a row matches an existing record",
        choices=ImportMode.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, data: Any = None, *, batch: ImportBatch, importer: Importer) -> None:
        super().__init__(data, initial={"mode": batch.mode})
        self.columns: list[str] = list(batch.columns)
        choices = [(SKIP_COLUMN, "— Do not import —")]
        choices += [
            (f.name, f"{f.label} (several columns may feed it)" if f.many else f.label)
            for f in importer.fields
        ]
        for index, column in enumerate(self.columns):
            self.fields[self._name(index)] = forms.ChoiceField(
                label=column,
                choices=choices,
                required=False,
                initial=batch.mapping.get(column, SKIP_COLUMN),
            )
        self.fields["mode"].help_text = f"A row matches {importer.match_help}."

    @staticmethod
    def _name(index: int) -> str:
        return f"column_{index}"

    def column_fields(self) -> list[forms.BoundField]:
        return [self[self._name(i)] for i in range(len(self.columns))]

    def mapping(self) -> dict[str, str]:
        chosen = ((c, self.cleaned_data[self._name(i)]) for i, c in enumerate(self.columns))
        return {column: name for column, name in chosen if name != SKIP_COLUMN}

    def add_service_errors(self, exc: ServiceValidationError) -> None:
        """A `mapping.<column>` error goes next to that column's select."""
        by_column = {f"mapping.{c}": self._name(i) for i, c in enumerate(self.columns)}
        rest = []
        for error in exc.errors:
            if error.field in by_column:
                self.add_error(by_column[error.field], error.message)
            else:
                rest.append(error)
        if rest:
            add_service_errors(self, ServiceValidationError(rest))
