from desktop.core.format.passphrase import passphrase_problem, strength


def test_rules():
    assert "at least 8" in passphrase_problem("short")
    assert "not the same" in passphrase_problem("long enough here", "long enough her")
    assert "space" in passphrase_problem(" padded passphrase")
    assert passphrase_problem("long enough here", "long enough here") is None


def test_strength_grows_with_length_not_repeats():
    assert strength("abc")[0] == 0
    assert strength("aaaaaaaaaaaa")[0] <= 1
    assert strength("Tr0ub4dor&3")[0] >= 2
    assert strength("correct horse battery staple")[0] >= 3
