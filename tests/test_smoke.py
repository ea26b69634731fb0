def test_home_and_login(client):
    assert client.get("/").status_code == 200
    client.login("admin")
    assert client.get("/centreview/list/").status_code == 200
