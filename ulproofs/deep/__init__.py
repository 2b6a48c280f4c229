"""The deep-network side: data sets, ResNets, training, evaluation and the reproduction of Sec. 4 and App. C."""
