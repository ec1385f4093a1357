package storage

func newSystemStore() SecretStore { return &SecretService{} }
