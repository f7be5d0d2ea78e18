async def test_redis_fixture_is_real(aredis):
    await aredis.set("k", "v")
    assert await aredis.get("k") == "v"
    info = await aredis.info("server")
    assert info["redis_version"].split(".")[0] >= "6"
