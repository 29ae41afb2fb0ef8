"""Rule sets shipped with ketascreen (installed as `ketascreen._bundled_rules`)."""
