from backoffice.clock import fmt


def test_world_created_from_template_holds_base_data(db, world):
    from sqlalchemy import func, select
    from backoffice.jinsan.models import Industry, Officer
    assert db.scalar(select(func.count()).select_from(Officer).where(Officer.world_id == world.id)) >= 8
    assert db.scalar(select(func.count()).select_from(Industry).where(Industry.world_id == world.id)) >= 12
    assert fmt(world.clock_now) == "2016-05-03T09:00:00+08:00"
