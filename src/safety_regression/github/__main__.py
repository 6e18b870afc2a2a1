from safety_regression.github.launch import main

main()
