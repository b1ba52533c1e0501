//! The happens-before race checker: RaceCell, annotated raw memory, atomics.
//!
//! One test binary for the area (each file is one behaviour, named as a
//! sentence); see STYLE.md "Tests".

#[path = "../common/mod.rs"]
mod common;

mod annotated_raw_memory_races_are_reported;
mod atomics_order_race_cells_by_the_cpp_memory_model;
mod compare_and_swap_makes_the_edges_of_compare_exchange;
mod ice_cream_maker_torn_two_word_write_is_reported;
mod race_checker_off_skips_all_clock_work;
mod raw_memory_races_are_byte_ranges_reported_like_race_cells;
mod unordered_accesses_to_a_race_cell_are_reported_with_both_sides;
