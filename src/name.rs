//! Metric and label name translation (CONTRACT: filled in by the `names` work item).
