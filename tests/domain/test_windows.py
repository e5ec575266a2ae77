"""History windows (R21, R22) at their boundaries."""

from datetime import date

from domain.windows import network_window_start, portal_window_start, years_before


def test_seven_years_back_includes_the_same_day():  # R21
    assert portal_window_start(date(2026, 11, 27)) == date(2019, 11, 27)


def test_leap_day_falls_back_to_the_28th():
    assert years_before(date(2028, 2, 29), 7) == date(2021, 2, 28)
    assert portal_window_start(date(2027, 2, 28)) == date(2020, 2, 28)  # 2020 is a leap year


def test_network_floor_for_old_contracts_and_contract_start_for_new_ones():  # R22
    floor = date(2008, 5, 1)
    assert network_window_start(date(2005, 3, 1)) == floor
    assert network_window_start(date(2008, 4, 30)) == floor
    assert network_window_start(date(2008, 5, 1)) == floor  # starts on the floor date
    assert network_window_start(date(2008, 5, 2)) == date(2008, 5, 2)
    assert network_window_start(None) == floor
