//! A strict parser of both exposition formats (CONTRACT: filled in by the `check` work item).
