"""Korean FAQ engine: store, embedding index, matcher and service. No Discord imports."""
