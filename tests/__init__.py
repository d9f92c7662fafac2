from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout
TEST_DATA = ROOT / "tests" / "data"  # campaigns and files shared by the tests
