//! The self-contained offline HTML dashboard.
