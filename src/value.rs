//! Attribute values as label-value strings (CONTRACT: filled in by the `names` work item).
