"""Stage: turn a story file into a :class:`~app.models.Story`, reporting every problem at once.

:func:`check_story` returns all problems of one file (errors and warnings) and never raises
for an author's mistake; :func:`load_story` raises :class:`~app.errors.StoryValidationError`
when there are errors. The checks live in small modules: :mod:`.messages` (pydantic errors
in an author's words), :mod:`.layers`, :mod:`.refs` and :mod:`.text`, sharing one
:class:`~app.validate.context.Context`; :mod:`.check` runs them in order.
"""

from app.validate.check import Checked, check_story, load_story

__all__ = ["Checked", "check_story", "load_story"]
