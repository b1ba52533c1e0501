//! Checks and reports: guards, the API contract, JSON shapes, configuration, tracing, docs.
//!
//! One test binary for the area (each file is one behaviour, named as a
//! sentence); see STYLE.md "Tests".

#[path = "../common/mod.rs"]
mod common;

mod a_failing_guard_fails_at_the_tests_own_line;
mod facade_paths_of_the_api_contract_resolve;
mod findings_are_emitted_as_tracing_warnings;
mod leak_report_json_has_contract_fields;
mod malformed_env_is_a_clear_error;
mod panic_on_leak_fails_the_test;
mod public_items_have_examples;
