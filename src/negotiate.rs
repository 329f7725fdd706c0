//! `Accept`-header content negotiation (CONTRACT: filled in by the `negotiate` work item).
