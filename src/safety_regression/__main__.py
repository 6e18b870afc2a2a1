from safety_regression.cli import main

main()
