//! Tests of loading a snapshot.
