//! `vigil::race`: the happens-before race checker (RaceCell, annotations).
