"""Forms of the trainer authoring pages: the editor's text and a module file upload.

Both end as one Markdown text: UTF-8, at most 1 MB, no NUL bytes, line endings made ``\\n`` (so the same text
always has the same hash, whichever browser or editor sent it).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.author_selectors import MAX_SOURCE_BYTES

UPLOAD_SUFFIXES = (".md", ".markdown", ".txt")


def _normalise(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _check_text(text: str) -> str:
    if "\x00" in text:
        raise forms.ValidationError(
            gettext("The text contains NUL characters: it is not a Markdown text file."), code="nul"
        )
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_SOURCE_BYTES:
        raise forms.ValidationError(
            gettext("The module is %(size)s bytes; the limit is %(limit)s bytes (1 MB).")
            % {"size": f"{size:,}", "limit": f"{MAX_SOURCE_BYTES:,}"},
            code="too_large",
        )
    return text


class DraftForm(forms.Form):
    source = forms.CharField(
        label=_("Module source (Markdown)"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "source"}),
    )
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)
    slug = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_source(self) -> str:
        return _check_text(_normalise(self.cleaned_data["source"]))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Upload a module file"),
        help_text=_("One Markdown file (.md), UTF-8, at most 1 MB: front matter, lessons, quiz and drills."),
    )
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_file(self) -> str:
        """The file's text, or a form error that names the problem."""
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(
                gettext("“%(name)s” is not a Markdown file: upload a .md file.") % {"name": upload.name},
                code="suffix",
            )
        if upload.size > MAX_SOURCE_BYTES:
            raise forms.ValidationError(
                gettext("The file is %(size)s bytes; the limit is %(limit)s bytes (1 MB).")
                % {"size": f"{upload.size:,}", "limit": f"{MAX_SOURCE_BYTES:,}"},
                code="too_large",
            )
        raw = upload.read(MAX_SOURCE_BYTES + 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                gettext(
                    "The file is not UTF-8 text (byte %(byte)s cannot be read). "
                    "Save it as UTF-8 in your editor and upload it again."
                )
                % {"byte": f"{exc.start:,}"},
                code="encoding",
            ) from None
        return _check_text(_normalise(text))
