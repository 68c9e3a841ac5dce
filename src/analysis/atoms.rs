//! The patterns and condition values that matter to one principal's question.
