from tests.live import host, seat
from tests.test_screen_browser import ROUND_NAMES, SIZES, open_screens


def test_fit(server, open_page, people):
    session, fac = host(server, people, "strategizing", title="Q3 strategy offsite")
    seat(server, session, people, *ROUND_NAMES)
    fac.ok("next_phase")
    fac.ok("go_to_phase", phase="discuss")
    screens = open_screens(open_page, server, session, SIZES[:2])
    fac.ok("start_1_2_4_all")
    fac.ok("next_stage")
    for i, screen in enumerate(screens):
        screen.wait_for_timeout(1000)
        screen.screenshot(path=f"/tmp/groups{i}.png")
    fac.ok("next_stage")
    for i, screen in enumerate(screens):
        screen.wait_for_timeout(1000)
        screen.screenshot(path=f"/tmp/fours{i}.png")
